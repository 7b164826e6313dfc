// scratch: the explanation's first-token yes/no margin per case, train and test; agreement at thresholds
import { initEngine } from '../src/engine/backend.js';
import { Surrogate } from '../src/align/model.js';
import { promptExample } from '../src/align/examples.js';
import { readTaskRecords, taskFile } from '../src/tasks/records.js';
import { beamSearch } from '../src/lm/decode/search.js';
import { fixedConstraint } from '../src/lm/decode/constraint.js';
import { responseIds } from '../src/lm/tokenizer/chat.js';
import { Rng } from '../src/engine/rng.js';
await initEngine({ backend: 'auto' });
const [model, tasks, nStr] = process.argv.slice(2);
const s = await Surrogate.load(model);
const yes = responseIds(s.tok, 'Yes.');
const no = responseIds(s.tok, 'No.');
console.log('yes ids', yes, 'no ids', no);
const form = process.env.FORM ?? 'I';
const margin = (recs: any[], src: string) =>
  recs.map((r) => {
    const p = promptExample(r, s.tok, s.vectors, src);
    const soft = s.softTokens([p.soft]);
    const b = beamSearch(s.model, { ids: p.ids, constraint: fixedConstraint([yes[0], no[0]]) }, { beams: 2, maxNewTokens: 1, lengthPenalty: 0 }, soft);
    soft?.vectors.dispose();
    const lp = new Map(b.map((x) => [x.ids[0], x.logProb]));
    return { m: lp.get(yes[0])! - lp.get(no[0])!, y: r.response.startsWith('Yes') };
  });
const n = Number(nStr ?? 400);
const pick = (recs: any[]) => new Rng(0).shuffle(recs).slice(0, n);
const trSrc = taskFile(tasks, 'train', 'H');
const tr = pick(readTaskRecords(trSrc).filter((r) => r.task === 7 && (r.variant ?? form) === form && r.soft.length));
const teSrc = taskFile(tasks, 'test', 'H');
const te = pick(readTaskRecords(teSrc).filter((r) => r.task === 7));
const mtr = margin(tr, trSrc);
const mte = margin(te, teSrc);
const acc = (ms: { m: number; y: boolean }[], t: number) => ms.filter((x) => (x.m > t) === x.y).length / ms.length;
const best = (ms: { m: number; y: boolean }[]) => {
  let bt = 0, ba = acc(ms, 0);
  for (const x of ms) { const a = acc(ms, x.m); if (a > ba) { ba = a; bt = x.m; } }
  return { t: bt, a: ba };
};
const bt = best(mtr), be = best(mte);
console.log(JSON.stringify({ n_train: mtr.length, n_test: mte.length, train_acc0: acc(mtr, 0), train_best: bt, test_acc0: acc(mte, 0), test_at_train_t: acc(mte, bt.t), test_best: be,
  test_fp: mte.filter((x) => x.m > 0 && !x.y).length, test_fn: mte.filter((x) => x.m <= 0 && x.y).length }));
