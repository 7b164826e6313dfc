import { Tokenizer } from '../src/lm/tokenizer/tokenizer.js';
import { readTaskRecords, taskFile, tasksSources } from '../src/tasks/records.js';
import { readDataset } from '../src/data/dataset.js';
import { titlesById } from '../src/data/text_forms.js';
import { guardProse } from '../src/explain/explainers.js';
import { citableItems } from '../src/align/examples.js';
import { knownWords, wordTables, wordAt } from '../src/facts/known_words.js';
import { markTitles, responseIds } from '../src/lm/tokenizer/chat.js';
const [tasks, tokFile] = process.argv.slice(2);
const src = tasksSources(tasks);
const titles = titlesById(readDataset(src.data).items);
const tok = Tokenizer.load(tokFile);
const prose = guardProse(readTaskRecords(taskFile(tasks, 'train', 'I')).filter((r) => r.task === 7), titles, src.maxHistory);
console.log('and->', [...(prose.follows.get('and') ?? new Map()).keys()].slice(0, 50).join('|'));
const g = wordTables(tok, prose, tok.vocabSize);
for (const r of readTaskRecords(taskFile(tasks, 'train', 'I')).filter((r) => r.task === 7).filter((r) => r.response.includes('Time to Kill, A')).slice(0,1)) {
const cit = new Map([...citableItems(r, src.maxHistory).keys()].map((i) => [titles[i], 1]));
const ids = responseIds(tok, markTitles(r.response, cit));
const kw = knownWords(tok, g, 1);
let s = kw.start();
ids.forEach((t, j) => { const a = kw.allowed(s); if (a && !a.includes(t)) console.log('refused at', j, JSON.stringify(tok.decode([t])), wordAt(tok, s, tok.vocabSize)); s = kw.next(s, t); });
}
