// An explanation's text cut into runs for display: the catalogue titles it cites marked "cited", and the
// ones the checks found hallucinated marked "hallucinated" (that wins a tie), found without
// regard to case; the earliest, then longest, match wins where matches overlap. Pure (no DOM).

export type Run = { text: string; kind: 'plain' | 'cited' | 'hallucinated' };

export function runs(text: string, cited: readonly string[], hallucinated: readonly string[]): Run[] {
  const lower = text.toLowerCase();
  const marks: { start: number; end: number; kind: Run['kind'] }[] = [];
  const find = (titles: readonly string[], kind: Run['kind']) => {
    for (const t of titles) {
      const needle = t.toLowerCase();
      if (!needle) continue;
      for (let at = lower.indexOf(needle); at >= 0; at = lower.indexOf(needle, at + needle.length))
        marks.push({ start: at, end: at + needle.length, kind });
    }
  };
  find(hallucinated, 'hallucinated');
  find(cited, 'cited');
  const rank = (k: Run['kind']) => (k === 'hallucinated' ? 0 : 1);
  marks.sort((a, b) => a.start - b.start || b.end - a.end || rank(a.kind) - rank(b.kind));
  const out: Run[] = [];
  let pos = 0;
  for (const m of marks) {
    if (m.start < pos) continue;
    if (m.start > pos) out.push({ text: text.slice(pos, m.start), kind: 'plain' });
    out.push({ text: text.slice(m.start, m.end), kind: m.kind });
    pos = m.end;
  }
  if (pos < text.length) out.push({ text: text.slice(pos), kind: 'plain' });
  return out;
}
