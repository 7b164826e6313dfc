// In-context learning prompts, shared by the `icl` baseline (the base LM, eval) and the `icl-llm`
// baseline (any OpenAI-compatible endpoint, eval and explain): for each test record, two solved
// training records of the same task from other users, fixed per record (seeded by its id); as chat
// messages, each example is a user turn and its answer an assistant turn before the test prompt.
import { Rng } from '../engine/rng.js';
import type { ChatMessage } from '../openai/chat.js';
import type { TaskRecord } from './forms.js';

/** Solved examples to put before a record's prompt. */
export type IclPicker = (r: TaskRecord) => TaskRecord[];

/** Two training records of the same task (other users), fixed per record: the icl baselines' examples. */
export function iclPicker(train: readonly TaskRecord[], seed: number): IclPicker {
  const byTask = new Map<number, TaskRecord[]>();
  for (const r of train) byTask.set(r.task, [...(byTask.get(r.task) ?? []), r]);
  return (r) => {
    const pool = byTask.get(r.task) ?? [];
    const rng = new Rng(seed ^ [...r.id].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261));
    const out: TaskRecord[] = [];
    for (let tries = 0; out.length < 2 && tries < 50 && pool.length; tries++) {
      const x = pool[rng.int(pool.length)];
      if (x.user !== r.user && !out.includes(x)) out.push(x);
    }
    return out;
  };
}

/** The conversation an endpoint is asked: each example's prompt and answer as a user and an assistant turn, then the record's prompt. */
export function iclMessages(r: TaskRecord, shots: readonly TaskRecord[]): ChatMessage[] {
  return [
    ...shots.flatMap((x): ChatMessage[] => [
      { role: 'user', content: x.prompt },
      { role: 'assistant', content: x.response },
    ]),
    { role: 'user', content: r.prompt },
  ];
}
