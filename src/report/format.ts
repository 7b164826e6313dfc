// Number formatting shared by the Markdown reports.

/** A table cell: the value to 4 decimals, or "—" where there is none. */
export const fixed4 = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(4));
