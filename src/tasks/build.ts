// The `tasks` stage: data set + target model f → alignment samples for tasks 1–7 in forms
// B / I / H, labelled by f (not by the ground truth). Writes <out>/{train,test}.{B,I,H}.jsonl,
// counts.json, counts.md and config.json (with --teacher-url or --teacher-gguf also teacher.jsonl,
// see teacher.ts).
// Training samples use each user's training prefix; test samples the full training sequence
// (train + validation item), predicting the test position. An f with no history model (a fixed
// user table) cannot be asked about edited histories: task 7 (leave-one-out attribution) and the
// training prefixes beyond the first (shortened histories) are skipped, each named in one line.
import { join } from 'node:path';
import { readDataset, type Dataset } from '../data/dataset.js';
import { leaveOneOut } from '../data/process.js';
import { writeFileAtomic, writeJsonAtomic, writeJsonlAtomic } from '../engine/atomic.js';
import { UserError } from '../engine/errors.js';
import { claimOutFolder, finishOutFolder } from '../engine/out_folder.js';
import { Progress } from '../engine/progress.js';
import { Rng } from '../engine/rng.js';
import type { Recommender } from '../rec/recommender.js';
import { openRecommender } from '../rec/open.js';
import { describeRec, recSource } from '../rec/source.js';
import { NO_HISTORY_MODEL } from '../rec/table_tower.js';
import { CITED_CONTRIBUTORS, configRecord, validateTasksConfig, type TasksConfig } from './config.js';
import { brownPairs, loadShareGpt, type TextPair } from './corpus.js';
import { countRecords, countsMarkdown, type Counts } from './counts.js';
import { recordsFor } from './forms.js';
import {
  explanationTask,
  generalTask,
  historyTask,
  interestTask,
  itemTask,
  nextItemTask,
  rankingTask,
  similarItems,
  type Context,
  type Source,
  type Split,
} from './generate.js';
import { shownContributors } from '../facts/attribution.js';
import { aspectsFor, aspectSuffix, aspectText, aspectWord, type AspectId } from '../facts/aspects.js';
import { explanationFacts, explanationText, type ExplanationFacts } from '../facts/targets.js';
import { applyTeacher, type TeacherStats } from './teacher.js';
import { loadTemplates, TemplatePicker, type Templates } from './templates.js';
import { attributeText, recentHistory, renderList, titlesById } from '../data/text_forms.js';

const ASPECT_SHARE = 1 / 3; // training explanations that ask for one aspect

export interface TasksResult {
  counts: Counts;
  skipped: string[]; // what f could not give, one line each (also in config.json)
  teacher?: TeacherStats; // with a --teacher-url or --teacher-gguf
  seconds: number;
}

export async function buildTasks(cfg: TasksConfig): Promise<TasksResult> {
  const t0 = Date.now();
  validateTasksConfig(cfg);
  claimOutFolder(cfg.out, 'tasks', cfg, { force: cfg.force });
  const ds = readDataset(cfg.data);
  const templates = loadTemplates(cfg.templates);
  const texts = cfg.task5[0] + cfg.task5[1] > 0 ? (cfg.sharegpt ? loadShareGpt(cfg.sharegpt) : brownPairs()) : [];
  const src = recSource(cfg);
  const rec = await openRecommender(src, cfg.backend);
  if (rec.nItems !== ds.items.length || (rec.nUsers !== null && rec.nUsers !== ds.sequences.length)) {
    const [theirs, ours] =
      rec.nUsers === null
        ? [`${rec.nItems} items`, `${ds.items.length}`]
        : [`${rec.nUsers} users / ${rec.nItems} items`, `${ds.sequences.length} / ${ds.items.length}`];
    throw new UserError(`${describeRec(src)} knows ${theirs}, but ${cfg.data} has ${ours}: f must be trained on this data set`);
  }
  const skipped = rec.readsHistory ? [] : skips(cfg);
  const explanations = cfg.explanations && rec.readsHistory;
  const prefixes = rec.readsHistory ? cfg.prefixes : 1;
  if (cfg.task2Items >= ds.items.length)
    throw new UserError(`--task2-items ${cfg.task2Items}: the catalogue has only ${ds.items.length} items`);

  const titles = titlesById(ds.items);
  const pick = new TemplatePicker(templates, new Rng(cfg.seed));
  const rng = new Rng(cfg.seed + 1);
  // the extra training prefixes (--prefixes > 1) draw from their own streams, so the test samples and
  // every other training sample are the same whatever --prefixes is (ablations of it compare like with like)
  const extra = { pick: new TemplatePicker(templates, new Rng(cfg.seed + 5)), rng: new Rng(cfg.seed + 6) };
  const byTask: Source[][] = [[], [], [], [], [], [], [], []]; // index = task id
  const progress = new Progress({ label: 'tasks', total: ds.sequences.length, unit: 'users/s', quiet: cfg.quiet });
  for (const seq of ds.sequences) {
    for (const c of userContexts(seq.user, seq.items, prefixes, cfg.maxHistory)) {
      const ctx: Context = { ...c, scores: rec.scoreAll(c.history, seq.user - 1) }; // once per history, reused by tasks 1–3
      const draw = ctx.prefix === 0 ? { pick, rng } : extra;
      byTask[1].push(nextItemTask(ctx, titles, draw.pick.pick('t1')));
      const ranking = rankingTask(ctx, titles, cfg.task2Items, draw.rng, draw.pick.pick('t2'));
      if (ranking) byTask[2].push(ranking);
      if (ctx.prefix === 0) {
        byTask[3].push(
          ...interestTask(ctx, { posTop: cfg.posTop, negBottom: cfg.negBottom, ...templates.answers }, rng, () => pick.pick('t3')),
        );
      }
      byTask[6].push(historyTask(ctx, titles, draw.pick.pick('t6')));
    }
    progress.tick();
  }
  progress.finish();
  const similar = cfg.similarK > 0 || explanations ? similarItems(rec.itemTable(), rec.hidden, Math.max(1, cfg.similarK)) : null;
  byTask[4] = itemSources(ds, titles, templates, pick, cfg.similarK > 0 ? similar!.map((s) => s.slice(0, cfg.similarK)) : null);
  byTask[5] = generalSources(texts, cfg, pick);
  const plain = new Map<Source, ExplanationFacts>(); // task-7 sources that ask for no aspect → their facts, for the teacher
  if (explanations) {
    byTask[7] = byTask[3].map((pair) => {
      const f = pairFacts(pair, rec, ds, titles, similar!);
      const { source, aspect } = explanationSource(pair, f, titles, pick, rng);
      if (aspect === null) plain.set(source, f);
      return source;
    });
  }
  const teacher = await applyTeacher(byTask, cfg, { titles, items: ds.items, templates, plain });

  const counts: Counts = {};
  const sources = byTask.flat();
  for (const form of cfg.forms) {
    for (const split of ['train', 'test'] as Split[]) {
      const records = sources.filter((s) => s.split === split).flatMap((s) => recordsFor(s, form, titles));
      writeJsonlAtomic(join(cfg.out, `${split}.${form}.jsonl`), records);
      (counts[form] ??= { train: {}, test: {} })[split] = countRecords(records);
    }
  }
  writeJsonAtomic(join(cfg.out, 'counts.json'), counts);
  writeFileAtomic(join(cfg.out, 'counts.md'), countsMarkdown(counts));
  writeJsonAtomic(join(cfg.out, 'config.json'), configRecord(cfg, templates.file, teacher, skipped));
  finishOutFolder(cfg.out);
  rec.dispose();
  return { counts, skipped, teacher, seconds: (Date.now() - t0) / 1000 };
}

/** What an f without a history model cannot give, by the flags that would ask for it. */
function skips(cfg: TasksConfig): string[] {
  const out: string[] = [];
  if (cfg.explanations) out.push(`task 7 skipped (it cites f's leave-one-out contributors): ${NO_HISTORY_MODEL}`);
  if (cfg.prefixes > 1)
    out.push(
      `--prefixes ${cfg.prefixes}: training prefixes 2..${cfg.prefixes} skipped (f re-scored on shortened histories): ${NO_HISTORY_MODEL}`,
    );
  return out;
}

/** What task 7 says of a task-3 pair: f's decision (positive pool → yes), its top-3 leave-one-out contributors among the shown items (one per title), themes, era, nearest item. */
function pairFacts(pair: Source, rec: Recommender, ds: Dataset, titles: readonly string[], similar: number[][]): ExplanationFacts {
  const item = pair.item!;
  const decision = pair.key.endsWith('-pos') ? 'yes' : 'no';
  return explanationFacts(
    ds.items,
    pair.shown,
    item,
    decision,
    shownContributors(rec, pair.history, pair.shown, item, CITED_CONTRIBUTORS, pair.user! - 1, titles),
    similar[item]?.[0] ?? null,
  );
}

/** Task 7 for a task-3 pair; one training pair in ASPECT_SHARE asks for one aspect (src/facts/aspects.ts) and gets the text focused on it. */
function explanationSource(
  pair: Source,
  facts: ExplanationFacts,
  titles: string[],
  pick: TemplatePicker,
  rng: Rng,
): { source: Source; aspect: AspectId | null } {
  const template = pick.pick('t7');
  if (pair.split === 'train' && rng.next() < ASPECT_SHARE) {
    const options = aspectsFor(facts);
    const aspect = options[rng.int(options.length)];
    const asked = { id: `${template.id}+${aspect}`, text: template.text + aspectSuffix(aspectWord(aspect, rng)) };
    return { source: explanationTask(pair, aspectText(facts, aspect, titles, rng), asked, facts.similar), aspect };
  }
  return { source: explanationTask(pair, explanationText(facts, titles, rng), template, facts.similar), aspect: null };
}

/**
 * The histories one user's samples are about: training prefixes (the longest is the whole
 * training sequence; the user's test item is never in them and is avoided in their prompts),
 * then the test history (training sequence + validation item).
 */
function userContexts(user: number, items: number[], prefixes: number, maxHistory: number): Omit<Context, 'scores'>[] {
  const sp = leaveOneOut(items);
  const out: Omit<Context, 'scores'>[] = [];
  const avoid = new Set([sp.test]);
  for (let p = 0; p < prefixes && sp.train.length - p >= 1; p++) {
    const history = sp.train.slice(0, sp.train.length - p);
    out.push({
      user,
      split: 'train',
      key: p === 0 ? `u${user}` : `u${user}-p${p + 1}`,
      prefix: p,
      history,
      shown: recentHistory(history, maxHistory),
      avoid,
    });
  }
  const full = [...sp.train, sp.valid];
  out.push({
    user,
    split: 'test',
    key: `u${user}`,
    prefix: 0,
    history: full,
    shown: recentHistory(full, maxHistory),
    avoid: new Set(),
  });
  return out;
}

/** Task 4 for every item: its title (from <item> only), each metadata attribute it has, its most similar items by f. */
function itemSources(ds: Dataset, titles: string[], templates: Templates, pick: TemplatePicker, similar: number[][] | null): Source[] {
  const keys = [
    'title',
    ...new Set(ds.items.flatMap((i) => Object.keys(i.meta)).filter((k) => k !== 'title' && k !== 'similar')),
    ...(similar ? ['similar'] : []),
  ];
  const out: Source[] = [];
  for (const it of ds.items) {
    for (const key of keys) {
      let response: string;
      let answer: number[] = [];
      if (key === 'title') [response, answer] = [titles[it.id], [it.id]];
      else if (key === 'similar') [response, answer] = [renderList(similar![it.id].map((i) => titles[i])), similar![it.id]];
      else response = it.meta[key] === undefined ? '' : attributeText(it.meta[key]);
      if (!response) continue;
      const attribute = { key, name: templates.attributes[key] ?? key.replace(/_/g, ' ') };
      out.push(itemTask(it.id, attribute, response, answer, pick.pick('t4', `t4:${key}`)));
    }
  }
  return out;
}

/** Task 5: a seeded sample of general text pairs, disjoint between train and test (shrunk in proportion when too few). */
function generalSources(texts: TextPair[], cfg: TasksConfig, pick: TemplatePicker): Source[] {
  let [nTrain, nTest] = cfg.task5;
  if (nTrain + nTest > texts.length) {
    nTest = Math.floor((texts.length * nTest) / (nTrain + nTest));
    nTrain = texts.length - nTest;
  }
  const idx = new Rng(cfg.seed + 2).sampleIndices(texts.length, nTrain + nTest);
  return idx.map((i, n) => {
    const split: Split = n < nTrain ? 'train' : 'test';
    return generalTask(split, split === 'train' ? n : n - nTrain, texts[i].text, texts[i].response, cfg.sharegpt ? null : pick.pick('t5'));
  });
}
