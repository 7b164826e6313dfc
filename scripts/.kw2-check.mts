// scratch: every task-7 training text (forms B, I, H) passes knownWords order 2 (and 1) as the model would write it
import { Tokenizer } from '../src/lm/tokenizer/tokenizer.js';
import { readTaskRecords, taskFile, tasksSources } from '../src/tasks/records.js';
import { readDataset } from '../src/data/dataset.js';
import { titlesById } from '../src/data/text_forms.js';
import { guardProse } from '../src/explain/explainers.js';
import { citableItems } from '../src/align/examples.js';
import { knownWords, wordTables } from '../src/facts/known_words.js';
import { markTitles, responseIds } from '../src/lm/tokenizer/chat.js';
import { allowedAlong } from '../src/lm/decode/constraint.js';
const [tasks, tokFile] = process.argv.slice(2);
const src = tasksSources(tasks);
const titles = titlesById(readDataset(src.data).items);
const tok = Tokenizer.load(tokFile);
const prose = guardProse(readTaskRecords(taskFile(tasks, 'train', 'I')).filter((r) => r.task === 7), titles, src.maxHistory);
const g = wordTables(tok, prose, tok.vocabSize);
for (const form of ['B', 'I', 'H'] as const) {
  const recs = readTaskRecords(taskFile(tasks, 'train', form)).filter((r) => r.task === 7);
  let bad = 0;
  for (const r of recs) {
    const cit = new Map([...citableItems(r, src.maxHistory)].map(([i, n]) => [titles[i], n]));
    const ids = [...responseIds(tok, markTitles(r.response, cit)), tok.special.eos];
    for (const order of [1, 2] as const) {
      try { allowedAlong(knownWords(tok, g, order), ids.slice(ids[0] === tok.special.bos ? 1 : 0)); } catch (e) { bad++; if (bad < 4) console.log(form, order, (e as Error).message, r.response.slice(0, 200)); }
    }
  }
  console.log(form, recs.length, 'texts,', bad, 'refused');
}
{
  const r = readTaskRecords(taskFile(tasks, 'train', 'I')).filter((r) => r.task === 7)[0];
  const cit = new Map([...citableItems(r, src.maxHistory)].map(([i, n]) => [titles[i], n]));
  const ids = responseIds(tok, markTitles(r.response, cit));
  console.log(JSON.stringify(tok.decode(ids.slice(0, 78))), '|', JSON.stringify(tok.decode([ids[78]])), ids.slice(70, 80));
}
