// The text the embedded base LM learns from, assembled from the data set, the Brown corpus and the
// prompt templates: the tokenizer's weighted training texts and the pre-training documents.
import { readDataset } from '../data/dataset.js';
import type { Item } from '../data/process.js';
import { LIST_SEP, attributeText } from '../data/text_forms.js';
import type { TrainingText } from '../lm/tokenizer/tokenizer.js';
import { brownPairs } from '../tasks/corpus.js';
import { defaultTemplatesPath, loadTemplates } from '../tasks/templates.js';

const META_WEIGHT = 20; // each metadata value (genres, year, …) counts this many times
const TEMPLATE_WEIGHT = 300; // each template counts this many times: its words recur in every prompt (300: all single tokens at 4096)

/**
 * The default tokenizer's training text: the Brown corpus as plain sentences (weight 1), each item
 * title weighted by its interaction count (how often it will appear in task prompts), the items'
 * metadata values, and the prompt templates with their slots removed (so prompt words are single tokens).
 */
export function tokenizerCorpus(datasetDir: string, templatesFile = defaultTemplatesPath()): TrainingText[] {
  const ds = readDataset(datasetDir);
  const tpl = loadTemplates(templatesFile);
  const seen = new Array<number>(ds.items.length).fill(1);
  for (const q of ds.sequences) for (const i of q.items) seen[i - 1]++;
  const texts: TrainingText[] = [...new Set(brownPairs().flatMap((p) => [p.text, p.response]))];
  ds.items.forEach((item, i) => {
    texts.push({ text: ` ${item.title}${LIST_SEP.trimEnd()}`, weight: seen[i] });
    for (const v of Object.values(item.meta)) texts.push({ text: ' ' + attributeText(v), weight: META_WEIGHT });
  });
  const templates = [...Object.values(tpl.prompts).flat(), ...Object.values(tpl.attributes), tpl.answers.yes, tpl.answers.no];
  for (const t of templates) texts.push({ text: t.replace(/\{[^{}]*\}/g, ''), weight: TEMPLATE_WEIGHT });
  return texts;
}

/** An item as short sentences: its title, then one sentence per metadata attribute. */
export function itemText(item: Item): string {
  const parts = [`${item.title}.`];
  for (const [k, v] of Object.entries(item.meta)) {
    const plural = Array.isArray(v) && v.length > 1;
    parts.push(`The ${k} of ${item.title} ${plural ? 'are' : 'is'} ${attributeText(v)}.`);
  }
  return parts.join(' ');
}

/** Brown sentences (in corpus order, each once) then one text per item (itemText). */
export function pretrainDocuments(datasetDir: string): string[] {
  const brown = [...new Set(brownPairs().flatMap((p) => [p.text, p.response]))];
  return [...brown, ...readDataset(datasetDir).items.map(itemText)];
}
