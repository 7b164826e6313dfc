// Bounded work for a CPU-bound service: at most `workers` jobs run at once (in this process; a job
// is async and yields between model calls, so the server answers other requests meanwhile), at most
// `limit` more wait, first come first served. A job over the limit is refused at once (QueueFull,
// with a Retry-After estimate from recent job times); a waiting job whose signal aborts (timeout,
// client gone) leaves the queue. Jobs start on a later turn of the event loop, so requests that
// arrived together are all queued before the first one starts.

export class QueueFull extends Error {
  constructor(readonly retryAfterS: number) {
    super('the queue is full');
  }
}

interface Waiting {
  start: () => void;
  signal: AbortSignal;
  onAbort: () => void;
}

export class WorkQueue {
  private active = 0;
  private readonly waiting: Waiting[] = [];
  private meanS = 1; // running mean of job seconds (for Retry-After)
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly workers: number,
    readonly limit: number,
  ) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Seconds a client should wait before trying again, from the mean job time and the work ahead. */
  retryAfter(): number {
    return Math.max(1, Math.ceil((this.meanS * (this.waiting.length + this.active)) / this.workers));
  }

  /** Runs `job` when a worker is free; throws QueueFull when `limit` jobs already wait, or the signal's reason once it aborts while waiting. */
  run<T>(job: () => Promise<T>, signal: AbortSignal): Promise<T> {
    signal.throwIfAborted();
    const free = Math.max(0, this.workers - this.active); // jobs queued now that a free worker will start on the next turn
    if (this.waiting.length >= this.limit + free) throw new QueueFull(this.retryAfter());
    return new Promise<T>((resolve, reject) => {
      const w: Waiting = {
        signal,
        onAbort: () => {
          const i = this.waiting.indexOf(w);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal.reason);
          this.settled();
        },
        start: () => {
          signal.removeEventListener('abort', w.onAbort);
          this.active++;
          const t0 = performance.now();
          job()
            .then(resolve, reject)
            .finally(() => {
              this.meanS = 0.8 * this.meanS + 0.2 * ((performance.now() - t0) / 1000);
              this.active--;
              this.next();
            });
        },
      };
      signal.addEventListener('abort', w.onAbort, { once: true });
      this.waiting.push(w);
      this.next();
    });
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (this.active === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private next(): void {
    setImmediate(() => {
      while (this.active < this.workers && this.waiting.length > 0) this.waiting.shift()!.start();
      this.settled();
    });
  }

  private settled(): void {
    if (this.active > 0 || this.waiting.length > 0) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    ws.forEach((r) => r());
  }
}
