// A JSONL training log that survives resumes: a fresh run starts it empty; a resumed one keeps its
// entries and, at the first new entry, drops those at or past its counter (a killed run's tail).
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeJsonlAtomic } from './atomic.js';

export class TrainLog<E> {
  entries: E[];
  private fresh = true;

  /** counter: the entry's position in the run (its step or epoch), increasing. */
  constructor(
    readonly path: string,
    private readonly resume: boolean,
    private readonly counter: (e: E) => number,
  ) {
    this.entries =
      resume && existsSync(path)
        ? readFileSync(path, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as E)
        : [];
    if (!resume) writeJsonlAtomic(path, []);
  }

  push(e: E): void {
    if (this.fresh && this.resume)
      writeJsonlAtomic(this.path, (this.entries = this.entries.filter((x) => this.counter(x) < this.counter(e))));
    this.fresh = false;
    this.entries.push(e);
    appendFileSync(this.path, JSON.stringify(e) + '\n');
  }
}
