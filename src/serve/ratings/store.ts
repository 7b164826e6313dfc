// Human ratings of a run's explanations, in one SQLite file (better-sqlite3): blind sessions (which
// case and explainer each numbered slot shows) and one rating per (session, slot) with its rater, time,
// case and explainer. WAL journal with synchronous=FULL: a rating is fsync'd before rate() returns, so
// an acknowledged rating survives a killed process (and a power cut).
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { UserError } from '../../engine/errors.js';

/** What one slot of a blind session shows: one explainer's explanation of one case. */
export interface Slot {
  case: string; // the test pair's key, e.g. "u12-pos"
  explainer: string;
}

export interface Session {
  id: string;
  rater: string;
  created: string; // ISO time
  slots: Slot[]; // in the order the rater sees them
}

export interface RatingRow {
  session: string;
  slot: number;
  rater: string;
  case: string;
  explainer: string;
  rating: number; // 0–3, the rubric's levels
  time: string; // ISO time of the last change
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  rater TEXT NOT NULL,
  created TEXT NOT NULL,
  slots TEXT NOT NULL -- JSON [{case, explainer}]
);
CREATE TABLE IF NOT EXISTS ratings (
  session TEXT NOT NULL REFERENCES sessions(id),
  slot INTEGER NOT NULL,
  rater TEXT NOT NULL,
  "case" TEXT NOT NULL,
  explainer TEXT NOT NULL,
  rating INTEGER NOT NULL CHECK (rating BETWEEN 0 AND 3),
  time TEXT NOT NULL,
  PRIMARY KEY (session, slot)
);
CREATE INDEX IF NOT EXISTS ratings_rater ON ratings (rater, "case");
`;

const COLUMNS = `session, slot, rater, "case" AS "case", explainer, rating, time`;

export class RatingStore {
  private readonly db: Database.Database;
  private readonly insertSession: Database.Statement<[string, string, string, string]>;
  private readonly getSession: Database.Statement<[string], { id: string; rater: string; created: string; slots: string }>;
  private readonly upsert: Database.Statement<[string, number, string, string, string, number, string], RatingRow>;
  private readonly ofSession: Database.Statement<[string], RatingRow>;
  private readonly everything: Database.Statement<[], RatingRow>;
  private readonly casesOf: Database.Statement<[string], { case: string }>;

  constructor(readonly file: string) {
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('foreign_keys = ON');
      this.db.pragma('busy_timeout = 5000');
      this.db.exec(SCHEMA);
    } catch (e) {
      throw new UserError(`--ratings ${file}: cannot open it as the ratings database (${(e as Error).message})`);
    }
    this.insertSession = this.db.prepare('INSERT INTO sessions (id, rater, created, slots) VALUES (?, ?, ?, ?)');
    this.getSession = this.db.prepare('SELECT id, rater, created, slots FROM sessions WHERE id = ?');
    this.upsert = this.db.prepare(
      `INSERT INTO ratings (session, slot, rater, "case", explainer, rating, time) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (session, slot) DO UPDATE SET rating = excluded.rating, time = excluded.time RETURNING ${COLUMNS}`,
    );
    this.ofSession = this.db.prepare(`SELECT ${COLUMNS} FROM ratings WHERE session = ? ORDER BY slot`);
    this.everything = this.db.prepare(`SELECT ${COLUMNS} FROM ratings ORDER BY time, session, slot`);
    this.casesOf = this.db.prepare('SELECT DISTINCT "case" AS "case" FROM ratings WHERE rater = ?');
  }

  createSession(rater: string, slots: Slot[], now = new Date()): Session {
    const s: Session = { id: randomUUID(), rater, created: now.toISOString(), slots };
    this.insertSession.run(s.id, s.rater, s.created, JSON.stringify(slots));
    return s;
  }

  session(id: string): Session | undefined {
    const r = this.getSession.get(id);
    return r && { id: r.id, rater: r.rater, created: r.created, slots: JSON.parse(r.slots) as Slot[] };
  }

  /** Records (or changes) the rating of one slot; durable when it returns. */
  rate(s: Session, slot: number, rating: number, now = new Date()): RatingRow {
    const { case: key, explainer } = s.slots[slot];
    return this.upsert.get(s.id, slot, s.rater, key, explainer, rating, now.toISOString())!;
  }

  ratingsOf(session: string): RatingRow[] {
    return this.ofSession.all(session);
  }

  /** Every rating, oldest change first. */
  all(): RatingRow[] {
    return this.everything.all();
  }

  /** The cases a rater has rated at least one explanation of. */
  casesRatedBy(rater: string): Set<string> {
    return new Set(this.casesOf.all(rater).map((r) => r.case));
  }

  close(): void {
    this.db.close();
  }
}
