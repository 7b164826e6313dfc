// The canonical data set folder every later stage reads. Files (all written atomically):
//   manifest.json  { format, version, source, created, users, items, interactions }
//   items.jsonl    { id, title, meta }            one per item, id 1..N
//   sequences.jsonl{ user, items, times }         one per user, chronological, ids 1..N
//   user_map.tsv / item_map.tsv   id <TAB> raw id (header line "id\traw_id")
//   config.json (resolved config), stats.json, stats.md (written by the caller)
// The split is leave-one-out and not stored twice: see leaveOneOut() in process.ts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic, writeJsonlAtomic } from '../engine/atomic.js';
import { DataError, UserError } from '../engine/errors.js';
import { MIN_SEQUENCE, type Item, type Processed, type Sequence } from './process.js';

export const DATASET_FORMAT = 'recexplainer-dataset';
export const DATASET_VERSION = 1;

export interface Manifest {
  format: string;
  version: number;
  source: string;
  created: string; // ISO date
  users: number;
  items: number;
  interactions: number;
}

export interface Dataset {
  dir: string;
  manifest: Manifest;
  items: Item[]; // items[i].id === i + 1
  sequences: Sequence[]; // sequences[u].user === u + 1
}

export function writeDataset(dir: string, p: Processed, source: string): Manifest {
  const manifest: Manifest = {
    format: DATASET_FORMAT,
    version: DATASET_VERSION,
    source,
    created: new Date().toISOString(),
    users: p.sequences.length,
    items: p.items.length,
    interactions: p.sequences.reduce((s, q) => s + q.items.length, 0),
  };
  writeJsonlAtomic(join(dir, 'items.jsonl'), p.items);
  writeJsonlAtomic(join(dir, 'sequences.jsonl'), p.sequences);
  writeFileAtomic(join(dir, 'user_map.tsv'), idMap(p.userRaw));
  writeFileAtomic(join(dir, 'item_map.tsv'), idMap(p.itemRaw));
  writeJsonAtomic(join(dir, 'manifest.json'), manifest); // last: its presence marks a complete folder
  return manifest;
}

function idMap(raw: string[]): string {
  return 'id\traw_id\n' + raw.map((r, i) => `${i + 1}\t${r}`).join('\n') + '\n';
}

/** Reads and validates a data set folder; every problem is a one-line error naming the file. */
export function readDataset(dir: string): Dataset {
  const mPath = join(dir, 'manifest.json');
  if (!existsSync(mPath)) throw new UserError(`${dir}: not a data set folder (no manifest.json); create one with \`recexplainer data\``);
  const manifest = parseJson(mPath, readFileSync(mPath, 'utf8')) as Manifest;
  if (manifest.format !== DATASET_FORMAT)
    throw new DataError({ file: mPath, field: 'format' }, `expected "${DATASET_FORMAT}", got ${JSON.stringify(manifest.format)}`);
  if (manifest.version !== DATASET_VERSION) {
    throw new DataError(
      { file: mPath, field: 'version' },
      `data set format version ${manifest.version}, this recexplainer reads version ${DATASET_VERSION}; re-run \`recexplainer data\``,
    );
  }
  const items = readJsonl<Item>(join(dir, 'items.jsonl'), (r, index, at) => {
    if (r.id !== index + 1) throw new DataError(at('id'), `expected ${index + 1}, got ${r.id}`);
    if (typeof r.title !== 'string' || !r.title) throw new DataError(at('title'), 'missing title');
  });
  const sequences = readJsonl<Sequence>(join(dir, 'sequences.jsonl'), (r, index, at) => {
    if (r.user !== index + 1) throw new DataError(at('user'), `expected ${index + 1}, got ${r.user}`);
    if (!Array.isArray(r.items) || r.items.length < MIN_SEQUENCE) throw new DataError(at('items'), `need at least ${MIN_SEQUENCE} items`);
    if (!Array.isArray(r.times) || r.times.length !== r.items.length) throw new DataError(at('times'), 'length differs from items');
    for (const i of r.items) {
      if (!Number.isInteger(i) || i < 1 || i > items.length)
        throw new DataError(at('items'), `unknown item id ${i} (catalogue has ${items.length})`);
    }
  });
  if (items.length !== manifest.items || sequences.length !== manifest.users) {
    throw new DataError(
      { file: mPath },
      `says ${manifest.users} users / ${manifest.items} items, files hold ${sequences.length} / ${items.length}`,
    );
  }
  return { dir, manifest, items, sequences };
}

function parseJson(file: string, text: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError({ file, line }, `invalid JSON: ${(e as Error).message}`);
  }
}

type At = (field: string) => { file: string; line: number; field: string };

/** Parses a JSONL file; check(row, index among rows, where-builder) throws on a bad row. */
function readJsonl<T>(file: string, check: (row: T, index: number, at: At) => void): T[] {
  if (!existsSync(file)) throw new DataError({ file }, 'missing from the data set folder');
  const rows: T[] = [];
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]) continue;
    const row = parseJson(file, lines[i], i + 1) as T;
    check(row, rows.length, (field) => ({ file, line: i + 1, field }));
    rows.push(row);
  }
  return rows;
}
