// The stored ratings as files to take away: CSV (RFC 4180: a header row, fields with a comma, quote or
// line break quoted, quotes doubled) and JSON Lines, one rating per row, oldest change first, each with
// the judges' ratings of the same explanation beside it (empty / null where there is none).
import type { Pool } from './pool.js';
import type { RatingRow } from './store.js';

export const EXPORT_FIELDS = ['rater', 'time', 'session', 'slot', 'case', 'explainer', 'rating', 'rule_judge', 'llm_judge'] as const;

type ExportRow = Record<(typeof EXPORT_FIELDS)[number], string | number | null>;

function exportRows(rows: readonly RatingRow[], pool: Pool): ExportRow[] {
  return rows.map((r) => {
    const t = pool.byKey.get(r.case)?.texts[r.explainer];
    return { ...r, rule_judge: t?.rule ?? null, llm_judge: t?.llm ?? null };
  });
}

function csvField(v: string | number | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function ratingsCsv(rows: readonly RatingRow[], pool: Pool): string {
  const lines = exportRows(rows, pool).map((r) => EXPORT_FIELDS.map((f) => csvField(r[f])).join(','));
  return [EXPORT_FIELDS.join(','), ...lines].join('\r\n') + '\r\n';
}

export function ratingsJsonl(rows: readonly RatingRow[], pool: Pool): string {
  return exportRows(rows, pool)
    .map((r) => `${JSON.stringify(Object.fromEntries(EXPORT_FIELDS.map((f) => [f, r[f]])))}\n`)
    .join('');
}
