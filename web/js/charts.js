// Two small SVG charts (no library): a line over time and grouped bars. Each comes with a
// text description for screen readers and a table of its numbers behind a disclosure.
import { h } from './ui.js';

const NS = 'http://www.w3.org/2000/svg';
const s = (tag, attrs = {}, ...kids) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const k of kids.flat()) if (k) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
};
// Distinguishable on white with at least 3:1 contrast.
export const PALETTE = ['#1e40af', '#b45309', '#047857', '#9d174d', '#6d28d9', '#0e7490', '#4d7c0f', '#b91c1c'];

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// points: [{ x: label, y: number }]; fmt: number -> string
export function lineChart(opts) {
  const { title, points, fmt, xfmt = (x) => x } = opts;
  const W = 640, H = 240, L = 64, R = 12, T = 12, B = 36;
  const max = niceMax(Math.max(0, ...points.map((p) => p.y)));
  const n = points.length;
  const X = (i) => L + (n <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (n - 1));
  const Y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${title}. ${describe(points, fmt, xfmt)}` });
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), class: 'grid' }));
    svg.append(s('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  svg.append(s('line', { x1: L, x2: W - R, y1: Y(0), y2: Y(0), class: 'axis' }));
  const step = Math.max(1, Math.ceil(n / 6));
  points.forEach((p, i) => {
    const last = i === n - 1;
    if ((i % step === 0 && (last || n - 1 - i >= step / 2)) || last) svg.append(s('text', { x: X(i), y: H - 12, 'text-anchor': last && n > 1 ? 'end' : i === 0 && n > 1 ? 'start' : 'middle' }, (opts.tick || xfmt)(p.x)));
  });
  if (n) {
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${X(i).toFixed(1)},${Y(p.y).toFixed(1)}`).join('');
    svg.append(s('path', { d: `${d}L${X(n - 1).toFixed(1)},${Y(0)}L${X(0).toFixed(1)},${Y(0)}Z`, fill: '#dbeafe' }));
    svg.append(s('path', { d, fill: 'none', stroke: PALETTE[0], 'stroke-width': 2.5 }));
  }
  return h('figure', { class: 'figure' }, svg,
    dataTable(title, ['When', 'Amount'], points.map((p) => [xfmt(p.x), fmt(p.y)])));
}

// groups: [x labels]; series: [{ name, values: [number per group] }]
export function barChart({ title, groups, series, fmt, xfmt = (x) => x }) {
  const W = 640, H = 260, L = 64, R = 12, T = 12, B = 40;
  const max = niceMax(Math.max(0, ...groups.map((_, g) => series.reduce((a, sr) => a + (sr.values[g] || 0), 0))));
  const band = (W - L - R) / Math.max(1, groups.length);
  const bw = Math.min(56, band * 0.7);
  const Y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img',
    'aria-label': `${title}. ${groups.map((g, i) => `${xfmt(g)}: ${fmt(series.reduce((a, sr) => a + (sr.values[i] || 0), 0))}`).join('; ')}` });
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), class: 'grid' }));
    svg.append(s('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end' }, fmt(v)));
  }
  groups.forEach((g, i) => {
    let acc = 0;
    const x = L + band * i + (band - bw) / 2;
    series.forEach((sr, k) => {
      const v = sr.values[i] || 0;
      if (v > 0) svg.append(s('rect', { x, width: bw, y: Y(acc + v), height: Math.max(0.5, Y(acc) - Y(acc + v)), fill: PALETTE[k % PALETTE.length] },
        s('title', {}, `${sr.name}, ${xfmt(g)}: ${fmt(v)}`)));
      acc += v;
    });
    svg.append(s('text', { x: x + bw / 2, y: H - 16, 'text-anchor': 'middle' }, truncate(xfmt(g), Math.max(4, Math.floor(band / 7)))));
  });
  svg.append(s('line', { x1: L, x2: W - R, y1: Y(0), y2: Y(0), class: 'axis' }));
  const legend = series.length > 1
    ? h('ul', { class: 'legend' }, series.map((sr, k) => h('li', {}, h('i', { style: `background:${PALETTE[k % PALETTE.length]}`, 'aria-hidden': 'true' }), sr.name)))
    : null;
  const rows = groups.map((g, i) => [xfmt(g), ...series.map((sr) => fmt(sr.values[i] || 0))]);
  return h('figure', { class: 'figure' }, legend, svg, dataTable(title, ['', ...series.map((sr) => sr.name)], rows));
}

function truncate(t, n) { t = String(t); return t.length > n ? `${t.slice(0, n - 1)}…` : t; }

function describe(points, fmt, xfmt) {
  if (!points.length) return 'No data.';
  const last = points[points.length - 1];
  return `From ${xfmt(points[0].x)} to ${xfmt(last.x)}, ending at ${fmt(last.y)}.`;
}

function dataTable(title, head, rows) {
  return h('details', {}, h('summary', {}, 'Show the numbers'),
    h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, title),
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) => h(i ? 'td' : 'th', { scope: i ? undefined : 'row', class: i ? 'num' : '' }, c))))))));
}
