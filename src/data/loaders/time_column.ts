// A table's interactions, held until its time column has been read whole: then the format (the
// --time-format given, or the one the whole column agrees on) turns each value into unix seconds,
// and more than 1 % unreadable values is an error unless --skip-bad-times. Without a time column
// the line number orders the events.
import { UserError } from '../../engine/errors.js';
import type { RawLog } from '../rawlog.js';
import { detectTimeFormat, parseTimeAs, type TimeFormat } from '../time_format.js';

interface Row {
  user: string;
  item: string;
  raw: unknown;
  line: number;
}

export class TimeColumn {
  private readonly rows: Row[] = [];

  constructor(
    private readonly file: string,
    private readonly column: string | undefined,
    private readonly format: TimeFormat = 'auto',
    private readonly skipBad = false,
  ) {}

  add(user: string, item: string, raw: unknown, line: number): void {
    this.rows.push({ user: user.trim(), item: item.trim(), raw, line });
  }

  /** Adds the held events to `log` in file order. */
  addTo(log: RawLog): void {
    const { file, column: col, rows } = this;
    if (col === undefined) {
      for (const r of rows) log.addEvent(r.user, r.item, r.line, { file, line: r.line });
      return;
    }
    const what = `the time column "${col}" of ${file}`;
    const fmt =
      this.format === 'auto'
        ? detectTimeFormat(
            rows.map((r) => r.raw),
            what,
          )
        : this.format;
    const times = rows.map((r) => parseTimeAs(fmt, r.raw));
    const bad = rows.filter((_, i) => times[i] === undefined);
    if (bad.length > 0.01 * rows.length && !this.skipBad) {
      const eg = bad.slice(0, 2).map((r) => `line ${r.line}: ${JSON.stringify(r.raw)}`);
      throw new UserError(
        `${bad.length} of ${rows.length} values (${((100 * bad.length) / rows.length).toFixed(1)} %) of ${what} do not read as ${fmt} (${eg.join(', ')}); pass the right --time-format, or --skip-bad-times to drop those events`,
      );
    }
    rows.forEach((r, i) => {
      const t = times[i];
      if (t === undefined) log.skip('bad_timestamp', { file, line: r.line, field: col }, JSON.stringify(r.raw));
      else log.addEvent(r.user, r.item, t, { file, line: r.line });
    });
  }
}
