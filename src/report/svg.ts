// Dependency-free SVG charts for Markdown reports (a file a browser or GitHub renders).
// barChart: one bar per labelled value, axes with a few round ticks.

export interface BarChart {
  title: string;
  labels: string[];
  values: number[];
  xLabel: string;
  yLabel: string;
}

const W = 640;
const H = 320;
const M = { left: 64, right: 16, top: 36, bottom: 56 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Round tick values covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** The opening tags of a W-wide chart: white background and centred title. */
function frame(title: string, height: number): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${height}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${esc(title)}</text>`,
  ];
}

/** Horizontal grid lines with their y-axis labels. */
function grid(ticks: readonly number[], y: (v: number) => number): string[] {
  return ticks.flatMap((t) => [
    `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t)}" y2="${y(t)}" stroke="#ddd"/>`,
    `<text x="${M.left - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>`,
  ]);
}

export function barChart(c: BarChart): string {
  const ticks = niceTicks(Math.max(0, ...c.values));
  const top = ticks[ticks.length - 1] || 1;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const bw = pw / Math.max(1, c.values.length);
  const y = (v: number) => M.top + ph - (v / top) * ph;
  const out = [...frame(c.title, H), ...grid(ticks, y)];
  const labelEvery = Math.ceil(c.labels.length / 12);
  c.values.forEach((v, i) => {
    const x = M.left + i * bw;
    out.push(
      `<rect x="${(x + bw * 0.1).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw * 0.8).toFixed(1)}" height="${(M.top + ph - y(v)).toFixed(1)}" fill="#4878a8"><title>${esc(c.labels[i])}: ${v}</title></rect>`,
    );
    if (i % labelEvery === 0)
      out.push(`<text x="${(x + bw / 2).toFixed(1)}" y="${M.top + ph + 14}" text-anchor="middle">${esc(c.labels[i])}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="black"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${H - 12}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface LineChart {
  title: string;
  xLabel: string;
  series: { name: string; points: [number, number][] }[]; // one panel per series, own y-axis
}

const PANEL_H = 180;
const PANEL_GAP = 40;

/** Small multiples: one panel per series, stacked, sharing the x-axis range. */
export function lineChart(c: LineChart): string {
  const all = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const x0 = Math.min(...all, 0);
  const x1 = Math.max(...all, 1);
  const pw = W - M.left - M.right;
  const height = M.top + c.series.length * (PANEL_H + PANEL_GAP) + 20;
  const out = frame(c.title, height);
  c.series.forEach((s, k) => {
    const top = M.top + 8 + k * (PANEL_H + PANEL_GAP);
    const ys = s.points.map((p) => p[1]);
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    const span = hi - lo || Math.abs(hi) || 1;
    const y = (v: number) => top + PANEL_H - ((v - lo) / span) * PANEL_H;
    const x = (v: number) => M.left + ((v - x0) / (x1 - x0)) * pw;
    out.push(`<text x="${M.left}" y="${top - 6}" font-weight="bold">${esc(s.name)}</text>`);
    out.push(`<rect x="${M.left}" y="${top}" width="${pw}" height="${PANEL_H}" fill="none" stroke="#ccc"/>`);
    for (const v of [lo, lo + span / 2, lo + span]) {
      out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
    }
    if (s.points.length) {
      const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="#4878a8" stroke-width="1.5"/>`);
    }
  });
  const axisY = M.top + 8 + (c.series.length - 1) * (PANEL_H + PANEL_GAP) + PANEL_H;
  for (const t of niceTicks(x1).filter((t) => t >= x0)) {
    const tx = M.left + ((t - x0) / (x1 - x0)) * pw;
    out.push(`<text x="${tx.toFixed(1)}" y="${axisY + 14}" text-anchor="middle">${t}</text>`);
  }
  out.push(`<text x="${M.left + pw / 2}" y="${height - 4}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface GroupedBarChart {
  title: string;
  groups: string[]; // x-axis groups (e.g. metrics)
  series: { name: string; values: (number | null)[] }[]; // one bar per group each; null = no bar
  yMax?: number; // default: the largest value's round tick
}

const PALETTE = ['#9e9e9e', '#bdb76b', '#8c6d31', '#d08c60', '#6b8e23', '#7fa7d0', '#4878a8', '#1f3f7a'];

/** Bars grouped by category, one colour per series, with a legend. */
export function groupedBarChart(c: GroupedBarChart): string {
  const values = c.series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const ticks = niceTicks(c.yMax ?? Math.max(0, ...values));
  const top = ticks[ticks.length - 1] || 1;
  const legendH = 16 * Math.ceil(c.series.length / 4);
  const height = H + legendH;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const gw = pw / Math.max(1, c.groups.length);
  const bw = (gw * 0.85) / Math.max(1, c.series.length);
  const y = (v: number) => M.top + ph - (Math.min(v, top) / top) * ph;
  const out = [...frame(c.title, height), ...grid(ticks, y)];
  c.groups.forEach((g, gi) => {
    const x0 = M.left + gi * gw + gw * 0.075;
    c.series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === null || !Number.isFinite(v)) return;
      out.push(
        `<rect x="${(x0 + si * bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw * 0.9).toFixed(1)}" height="${(M.top + ph - y(v)).toFixed(1)}" fill="${PALETTE[si % PALETTE.length]}"><title>${esc(s.name)} · ${esc(g)}: ${v}</title></rect>`,
      );
    });
    out.push(`<text x="${(M.left + gi * gw + gw / 2).toFixed(1)}" y="${M.top + ph + 14}" text-anchor="middle">${esc(g)}</text>`);
  });
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="black"/>`);
  c.series.forEach((s, si) => {
    const lx = M.left + (si % 4) * (pw / 4);
    const ly = H - 20 + 16 * Math.floor(si / 4);
    out.push(
      `<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${PALETTE[si % PALETTE.length]}"/><text x="${lx + 14}" y="${ly}">${esc(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export interface Heatmap {
  title: string;
  rows: string[]; // row labels (e.g. true class)
  cols: string[]; // column labels (e.g. predicted class)
  values: number[][]; // [row][col]
  xLabel: string;
  yLabel: string;
}

/** A labelled matrix of counts, shaded by each cell's share of its row. */
export function heatmap(c: Heatmap): string {
  const cell = 56;
  const left = 120;
  const top = 56;
  const width = left + c.cols.length * cell + 20;
  const height = top + c.rows.length * cell + 60;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${esc(c.title)}</text>`,
  ];
  c.values.forEach((row, r) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    out.push(`<text x="${left - 6}" y="${top + r * cell + cell / 2 + 4}" text-anchor="end">${esc(c.rows[r])}</text>`);
    row.forEach((v, k) => {
      const share = v / total;
      out.push(
        `<rect x="${left + k * cell}" y="${top + r * cell}" width="${cell - 2}" height="${cell - 2}" fill="rgb(${Math.round(255 - 183 * share)},${Math.round(255 - 135 * share)},${Math.round(255 - 87 * share)})"><title>${esc(c.rows[r])} → ${esc(c.cols[k])}: ${v}</title></rect>`,
      );
      out.push(
        `<text x="${left + k * cell + cell / 2 - 1}" y="${top + r * cell + cell / 2 + 4}" text-anchor="middle" fill="${share > 0.6 ? 'white' : 'black'}">${v}</text>`,
      );
    });
  });
  c.cols.forEach((l, k) =>
    out.push(
      `<text x="${left + k * cell + cell / 2}" y="${top + c.rows.length * cell + 14}" text-anchor="middle" font-size="9">${esc(l)}</text>`,
    ),
  );
  out.push(`<text x="${left + (c.cols.length * cell) / 2}" y="${height - 12}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  out.push(`<text transform="translate(14 ${top + (c.rows.length * cell) / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
