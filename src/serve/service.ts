// What the service answers from, loaded once at start from a run folder: the data set (titles,
// metadata facts), the prose the fact guard keeps explanations to (as explain decodes them by
// default), f, the templates and history length the tasks were built with, and every language
// model there is — the unaligned base LM and RecExplainer-B/-I/-H — each with its catalogue
// grounding (tasks 1 and 2). Model calls go through per-request views (`view`) so no per-history
// cache grows while the service runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Surrogate } from '../align/model.js';
import { SoftVectors } from '../align/soft.js';
import { readDataset, type Dataset } from '../data/dataset.js';
import { titleKey, titlesById } from '../data/text_forms.js';
import { initEngine } from '../engine/backend.js';
import { grounding, type Grounding } from '../eval/grounding.js';
import type { Metadata } from '../explain/evaluate.js';
import { guardProse } from '../explain/explainers.js';
import type { Prose } from '../facts/known_words.js';
import type { Catalogue } from '../facts/cite.js';
import { itemFacts } from '../facts/fact_check.js';
import type { Recommender } from '../rec/recommender.js';
import { openRecommender } from '../rec/open.js';
import type { RecSource } from '../rec/source.js';
import type { Form } from '../tasks/forms.js';
import { readTaskRecords, taskFile, tasksSources } from '../tasks/records.js';
import { loadTemplates, type Templates } from '../tasks/templates.js';

export type LmName = 'base-lm' | 'recexplainer-b' | 'recexplainer-i' | 'recexplainer-h' | 'recexplainer-i+items' | 'recexplainer-h+items';

/** One language model of the run. */
export interface Lm {
  name: LmName;
  form: Form; // the prompt form it reads (the base LM: B)
  aligned: boolean;
  dir: string; // its folder (the base model's path for base-lm)
  surrogate: Surrogate;
  grounding: Grounding; // reads the user's history from `histories` (set per request, see withHistory)
  histories: Map<number, readonly number[]>;
  steps: number | null; // alignment steps (null for the base LM)
}

export interface Service {
  dir: string; // the run folder
  ds: Dataset;
  titles: string[]; // normal title per item id ([0] = '')
  catalogue: Catalogue;
  byKey: Map<string, number>; // titleKey → lowest item id with that title
  metadata: Metadata;
  prose: Prose | undefined; // the fact guard's prose (the tasks' training explanations), as explain decodes by default; none without them
  rec: Recommender;
  maxHistory: number; // history items a prompt shows (the tasks' --max-history)
  posTop: number; // f says yes to an item in its top posTop share of the unseen items
  templates: Templates;
  lms: Lm[]; // base-lm first, then B, I, H (those the run has)
  reportFile: string;
}

const ALIGNED = ['B', 'I', 'H', 'H-items']; // the run's lm-<key> folders

/** The run's own copy of a stage folder when it has one, else the path the tasks were built from. */
function stageDir(run: string, own: string, marker: string, fallback: string): string {
  return existsSync(join(run, own, marker)) ? join(run, own) : fallback;
}

/** The run's own f (its rec/ folder) when it has one, else the f the tasks were built from. */
function recOf(run: string, fallback: RecSource): RecSource {
  return existsSync(join(run, 'rec', 'model.json')) ? { kind: 'folder', dir: join(run, 'rec') } : fallback;
}

export async function loadService(run: string, say: (line: string) => void = () => {}): Promise<Service> {
  await initEngine({ backend: 'auto' });
  const tasks = join(run, 'tasks');
  const src = tasksSources(tasks);
  const ds = readDataset(stageDir(run, 'dataset', 'manifest.json', src.data));
  const rec = await openRecommender(recOf(run, src.rec));
  const titles = titlesById(ds.items);
  const byKey = new Map<string, number>();
  titles.forEach((t, id) => id > 0 && !byKey.has(titleKey(t)) && byKey.set(titleKey(t), id));
  const facts = ds.items.map(itemFacts);
  const trainI = taskFile(tasks, 'train', 'I');
  const prose = existsSync(trainI) ? guardProse(readTaskRecords(trainI), titles, src.maxHistory) : undefined;
  const tcfg = JSON.parse(readFileSync(join(tasks, 'config.json'), 'utf8')) as { templates?: unknown };
  const templates = loadTemplates(typeof tcfg.templates === 'string' && existsSync(tcfg.templates) ? tcfg.templates : undefined);

  const aligned = ALIGNED.map((m) => join(run, `lm-${m}`)).filter((d) => existsSync(join(d, 'align.json')));
  const base = aligned.length ? Surrogate.baseOf(aligned[0]) : existsSync(join(run, 'base', 'config.json')) ? join(run, 'base') : undefined;
  const lms: Lm[] = [];
  const add = (name: LmName, form: Form, dir: string, s: Surrogate, steps: number | null) => {
    const histories = new Map<number, readonly number[]>();
    const g = grounding(s.tok, { titles, histories, maxHistory: src.maxHistory, itemFirst: s.itemFirst, itemTitle: s.itemTitle });
    lms.push({ name, form, aligned: name !== 'base-lm', dir, surrogate: s, grounding: g, histories, steps });
  };
  if (base) {
    say(`loading the base LM (${base}) …`);
    add('base-lm', 'B', base, await Surrogate.base(base), null);
  }
  for (const dir of aligned) {
    say(`loading ${dir} …`);
    const s = await Surrogate.load(dir);
    add(s.name as LmName, s.meta!.mode, dir, s, s.meta!.steps);
  }
  return {
    dir: run,
    ds,
    titles,
    catalogue: { titles },
    byKey,
    metadata: { of: (id) => facts[id - 1], vocabulary: [...new Set(facts.flatMap((f) => f.themes))] },
    prose: prose?.words.size ? prose : undefined,
    rec,
    maxHistory: src.maxHistory,
    posTop: src.posTop,
    templates,
    lms,
    reportFile: join(run, 'report.json'),
  };
}

/** The model with fresh soft-token vectors (f's, uncached beyond this request). */
export function view(svc: Service, lm: Lm): Surrogate {
  const s = lm.surrogate;
  return new Surrogate(s.model, s.tok, s.projectors, s.vectors ? new SoftVectors(svc.rec) : undefined, s.meta, s.appended);
}

/** Runs `f` with `history` as what lm's grounding knows of `user` (task 1 excludes the shown history). */
export function withHistory<T>(lm: Lm, user: number, history: readonly number[], f: () => T): T {
  lm.histories.set(user, history);
  try {
    return f();
  } finally {
    lm.histories.delete(user);
  }
}

export function disposeService(svc: Service): void {
  for (const lm of svc.lms) lm.surrogate.dispose();
}
