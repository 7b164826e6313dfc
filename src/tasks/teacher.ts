// The optional teacher LLM of the `tasks` stage (the paper had GPT-4 write these texts): it rewrites
// the task-7 explanations from f's facts (kept only when one opens with f's decision and is short;
// pairs that ask for one aspect keep their aspect text) and adds a preference summary of every
// training task-6 history (task 6, key "<key>-sum", template t6s, I form only). The teacher is an
// OpenAI-compatible endpoint (--teacher-url) or a GGUF file run through llama.cpp (--teacher-gguf);
// replies are cached in <out>/teacher.jsonl, so a killed run asks only for the rest.
import { join } from 'node:path';
import type { Item } from '../data/process.js';
import { DataError } from '../engine/errors.js';
import { Progress } from '../engine/progress.js';
import { Rng } from '../engine/rng.js';
import { parseDecision } from '../facts/decision.js';
import { topThemes, type ExplanationFacts } from '../facts/targets.js';
import { chatSource, openChat } from '../openai/backend.js';
import { completeCached, ReplyCache } from '../openai/cache.js';
import type { TasksConfig } from './config.js';
import type { Source, Titles } from './generate.js';
import { explanationMessages, summaryMessages } from './teacher_prompts.js';
import { TemplatePicker, type Templates } from './templates.js';

const TEACHER_CACHE = 'teacher.jsonl';
/** A longer reply is not used as an explanation. */
const MAX_EXPLANATION_CHARS = 1200;

/** What the teacher contributed; written to config.json under "teacher". */
export interface TeacherStats {
  explanations: { asked: number; used: number; rejected: number; failed: number }; // asked: the task-7 sources that ask for no aspect; rejected: a reply not used (wrong or no decision first, empty, too long); failed: no reply
  summaries: { asked: number; used: number; failed: number }; // failed: no reply, or an empty one
  cached: number; // replies (of both kinds) read from teacher.jsonl rather than asked for
}

/** What the teacher needs besides the sources. */
export interface TeacherContext {
  titles: Titles;
  items: readonly Item[]; // items[id − 1] is item id
  templates: Templates;
  plain: ReadonlyMap<Source, ExplanationFacts>; // the task-7 sources that ask for no aspect → the facts their template text is built from
}

/** Whether a reply can stand as the explanation: its first word states f's decision, and it is non-empty and short. */
function usableExplanation(reply: string, decision: 'yes' | 'no'): boolean {
  const text = reply.trim();
  return text.length > 0 && text.length <= MAX_EXPLANATION_CHARS && parseDecision(text.split(/\s/, 1)[0]) === decision;
}

/**
 * With a teacher (cfg.teacherUrl or cfg.teacherGguf): replaces the responses of byTask[7] by the
 * teacher's usable replies and appends the summary sources to byTask[6]; returns what it did.
 * Without one: does nothing (undefined). A 4xx other than 429 from the endpoint, or a GGUF file that
 * cannot run, is a one-line UserError.
 */
export async function applyTeacher(byTask: Source[][], cfg: TasksConfig, ctx: TeacherContext): Promise<TeacherStats | undefined> {
  const source = chatSource(cfg, 'teacherUrl', 'teacherGguf');
  if (source === undefined) return undefined;
  if (ctx.templates.prompts.t6s.length === 0) {
    throw new DataError(
      { file: ctx.templates.file, field: 't6s' },
      "missing: the teacher's user summaries need a non-empty array of template strings",
    );
  }
  const backend = openChat({
    ...source,
    label: 'teacher',
    model: cfg.teacherModel,
    apiKey: cfg.teacherKey ?? process.env.OPENAI_API_KEY,
    concurrency: cfg.teacherConcurrency,
  });
  const titlesOf = (ids: readonly number[]) => ids.map((i) => ctx.titles[i]);
  const explained = byTask[7].filter((s) => ctx.plain.has(s)); // an aspect-focused text is left as it is
  const facts = explained.map((s) => ctx.plain.get(s)!);
  const histories = byTask[6].filter((s) => s.split === 'train'); // test summaries would be scored as history recall
  const conversations = [
    ...explained.map((s, i) => {
      const f = facts[i];
      return explanationMessages({
        history: titlesOf(s.shown),
        item: ctx.titles[f.item],
        decision: f.decision,
        contributors: titlesOf(f.contributors),
        shared: f.shared,
        itemThemes: f.itemThemes,
        era: f.era,
      });
    }),
    ...histories.map((s) =>
      summaryMessages({
        history: titlesOf(s.shown),
        themes: topThemes(
          s.shown.map((i) => ctx.items[i - 1]),
          3,
        ),
      }),
    ),
  ];

  const progress = new Progress({ label: 'teacher', total: conversations.length, unit: 'texts/s', quiet: cfg.quiet });
  const { replies, cached } = await completeCached(backend, new ReplyCache(join(cfg.out, TEACHER_CACHE)), conversations, (n) =>
    progress.tick(n),
  ).finally(() => backend.dispose());
  progress.finish();

  const stats: TeacherStats = {
    explanations: { asked: explained.length, used: 0, rejected: 0, failed: 0 },
    summaries: { asked: histories.length, used: 0, failed: 0 },
    cached,
  };
  const taught = new Map<Source, string>();
  explained.forEach((s, i) => {
    const reply = replies[i];
    if (reply === null) stats.explanations.failed++;
    else if (!usableExplanation(reply, facts[i].decision)) stats.explanations.rejected++;
    else {
      stats.explanations.used++;
      taught.set(s, reply.trim());
    }
  });
  byTask[7] = byTask[7].map((s) => (taught.has(s) ? { ...s, response: taught.get(s)! } : s));
  const pick = new TemplatePicker(ctx.templates, new Rng(cfg.seed + 3)); // its own stream: the other tasks' picks stay as they were
  histories.forEach((s, i) => {
    const template = pick.pick('t6s'); // one per history, used or not, so the picks do not depend on which requests failed
    const summary = replies[explained.length + i]?.trim();
    if (!summary) stats.summaries.failed++;
    else {
      stats.summaries.used++;
      byTask[6].push({ ...s, key: `${s.key}-sum`, template, response: summary, answer: [] });
    }
  });
  return stats;
}

/** One line for the console. */
export function teacherLine(s: TeacherStats, out: string): string {
  const e = s.explanations;
  return `teacher: ${e.used}/${e.asked} explanations used (${e.rejected} rejected, ${e.failed} failed), ${s.summaries.used}/${s.summaries.asked} user summaries (${s.summaries.failed} failed); ${s.cached} replies from ${join(out, TEACHER_CACHE)}`;
}
