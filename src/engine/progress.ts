// A progress bar on stderr with rate and ETA. On a terminal it redraws one line; otherwise
// (CI, pipes) it prints a plain line at most every 10 % and once at the end.

export interface ProgressOptions {
  label: string;
  total: number; // units of work; 0 or unknown → no percentage or ETA
  unit?: string; // shown after the rate, e.g. "lines/s"
  stream?: NodeJS.WriteStream;
  quiet?: boolean;
}

export class Progress {
  private done = 0;
  private readonly start = Date.now();
  private lastDraw = 0;
  private lastDecile = -1;
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private extra = '';

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
  }

  /** Advance by n units; info is shown after the bar (e.g. "loss 0.42"). */
  tick(n = 1, info?: string): void {
    this.done += n;
    if (info !== undefined) this.extra = info;
    if (this.opts.quiet) return;
    const now = Date.now();
    if (this.tty) {
      if (now - this.lastDraw < 100) return;
      this.lastDraw = now;
      this.stream.write(`\r${this.line()}\x1b[K`);
    } else if (this.opts.total > 0) {
      const decile = Math.floor((10 * this.done) / this.opts.total);
      if (decile > this.lastDecile && decile < 10) {
        this.lastDecile = decile;
        this.stream.write(this.line() + '\n');
      }
    }
  }

  /** Sets the absolute amount done (for byte-based progress). */
  set(done: number, info?: string): void {
    this.tick(done - this.done, info);
  }

  finish(info?: string): void {
    if (info !== undefined) this.extra = info;
    if (this.opts.quiet) return;
    if (this.opts.total > 0) this.done = Math.max(this.done, this.opts.total);
    this.stream.write((this.tty ? '\r' : '') + this.line(true) + (this.tty ? '\x1b[K\n' : '\n'));
  }

  private line(final = false): string {
    const secs = (Date.now() - this.start) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const unit = this.opts.unit ?? 'it/s';
    const parts = [this.opts.label];
    if (this.opts.total > 0) {
      const frac = Math.min(1, this.done / this.opts.total);
      const width = 24;
      const filled = Math.round(frac * width);
      parts.push(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(100 * frac).toFixed(0).padStart(3)}%`);
    } else {
      parts.push(`${this.done}`);
    }
    parts.push(`${formatRate(rate)} ${unit}`);
    if (final) parts.push(`done in ${formatDuration(secs)}`);
    else if (this.opts.total > 0 && rate > 0) parts.push(`ETA ${formatDuration((this.opts.total - this.done) / rate)}`);
    if (this.extra) parts.push(this.extra);
    return parts.join('  ');
  }
}

export function formatDuration(secs: number): string {
  if (!Number.isFinite(secs)) return '?';
  if (secs < 60) return `${secs.toFixed(secs < 10 ? 1 : 0)}s`;
  const m = Math.floor(secs / 60);
  if (m < 60) return `${m}m${String(Math.round(secs % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function formatRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M`;
  if (r >= 1e4) return `${(r / 1e3).toFixed(0)}k`;
  return r >= 100 ? r.toFixed(0) : r.toFixed(1);
}
