// Streaming RFC-4180 CSV/TSV: quoted fields, doubled quotes, delimiters and newlines inside quotes
// (a record spanning several lines carries its first line number). Blank lines between records are
// skipped; an unterminated quote at end of file, an empty file or a missing header column is a DataError.
import { DataError, UserError } from '../engine/errors.js';
import { eachLine } from './loaders/common.js';
import type { TextEncoding } from './lines.js';
import type { RawLog } from './rawlog.js';

export interface CsvRecord {
  fields: string[];
  line: number; // 1-based line where the record starts
}

export interface CsvOptions {
  delimiter?: string; // one character; default tab for .tsv/.tab files, else ','
  encoding?: TextEncoding;
  quiet?: boolean; // no progress bar
}

/** Splits physical lines into records; one parser per file. */
export class CsvParser {
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private start = 0;

  constructor(
    private readonly file: string,
    private readonly delimiter: string,
  ) {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new UserError(`CSV delimiter must be one character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
    }
  }

  /** Feeds one physical line (without its newline); returns a record once one is complete. */
  push(text: string, line: number): CsvRecord | undefined {
    if (this.inQuotes) {
      this.field += '\n';
      return this.scan(text);
    }
    if (text === '') return undefined;
    this.start = line;
    if (!text.includes('"')) return { fields: text.split(this.delimiter), line };
    return this.scan(text);
  }

  /** Call at end of input: throws when a quoted field was never closed. */
  end(): void {
    if (this.inQuotes)
      throw new DataError({ file: this.file, line: this.start }, 'unterminated quoted field (a " opened in this record is never closed)');
  }

  private scan(text: string): CsvRecord | undefined {
    let atFieldStart = !this.inQuotes;
    let i = 0;
    while (i < text.length) {
      if (this.inQuotes) {
        const q = text.indexOf('"', i);
        if (q < 0) {
          this.field += text.slice(i);
          return undefined;
        }
        this.field += text.slice(i, q);
        if (text[q + 1] === '"') {
          this.field += '"';
          i = q + 2;
        } else {
          this.inQuotes = false;
          i = q + 1;
        }
        continue;
      }
      const c = text[i++];
      if (c === this.delimiter) {
        this.fields.push(this.field);
        this.field = '';
        atFieldStart = true;
      } else if (c === '"' && atFieldStart) {
        this.inQuotes = true;
        atFieldStart = false;
      } else {
        this.field += c; // a stray quote inside an unquoted field is kept as text
        atFieldStart = false;
      }
    }
    return this.inQuotes ? undefined : this.flush();
  }

  private flush(): CsvRecord {
    this.fields.push(this.field);
    const rec = { fields: this.fields, line: this.start };
    this.fields = [];
    this.field = '';
    return rec;
  }
}

/** Calls fn for every record of a CSV/TSV file (plain or .gz), with a progress bar; returns the record count. */
export async function eachCsv(path: string, opts: CsvOptions, fn: (rec: CsvRecord) => void): Promise<number> {
  const parser = new CsvParser(path, opts.delimiter ?? defaultDelimiter(path));
  let records = 0;
  await eachLine(path, opts, (l) => {
    const rec = parser.push(l.text, l.line);
    if (!rec) return;
    records++;
    fn(rec);
  });
  parser.end();
  return records;
}

/**
 * Calls fn for each row after a header row with the values of `columns` (picked by header name, in that
 * order). A row whose field count differs from the header's is counted in log as malformed_line instead.
 */
export async function eachCsvRow(
  path: string,
  opts: CsvOptions,
  columns: string[],
  log: RawLog,
  fn: (values: string[], line: number) => void,
): Promise<void> {
  let index: number[] | undefined;
  let width = 0;
  const records = await eachCsv(path, opts, (rec) => {
    if (!index) {
      index = headerIndex(path, rec, columns);
      width = rec.fields.length;
    } else if (rec.fields.length !== width) {
      log.skip('malformed_line', { file: path, line: rec.line }, `expected ${width} fields like the header, got ${rec.fields.length}`);
    } else {
      fn(
        index.map((i) => rec.fields[i]),
        rec.line,
      );
    }
  });
  if (records === 0) throw new DataError({ file: path }, 'empty file');
  if (records === 1) throw new DataError({ file: path }, 'no rows after the header');
}

function headerIndex(path: string, header: CsvRecord, columns: string[]): number[] {
  const names = header.fields.map((f) => f.trim());
  return columns.map((col) => {
    const i = names.indexOf(col);
    if (i < 0) throw new DataError({ file: path, line: header.line }, `column "${col}" not in header: ${names.join(',')}`);
    return i;
  });
}

function defaultDelimiter(path: string): string {
  return /\.(tsv|tab)(\.gz)?$/i.test(path) ? '\t' : ',';
}
