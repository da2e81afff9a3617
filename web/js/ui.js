// Small DOM helpers: elements without innerHTML (so API text is never markup), tables that
// reflow on phones, alerts for API problems, downloads and the copy button.
import { messageFor } from './api.js';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function replace(el, ...children) { el.replaceChildren(); append(el, children); return el; }

let idSeq = 0;
export const uid = (p = 'f') => `${p}${++idSeq}`;

// A labelled field: label, optional hint, and the control.
export function field(labelText, control, hint) {
  if (!control.id) control.id = uid();
  const hintEl = hint ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, labelText, hintEl), control);
}

// columns: [{ label, value: row => node|string, num: bool }]
export function table(columns, rows, { caption, foot, empty = 'Nothing here yet.', responsive = true } = {}) {
  if (!rows.length) return h('p', { class: 'muted' }, empty);
  const t = h('table', { class: responsive ? 'responsive' : '' },
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : '' }, c.label)))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.num ? 'num' : '', 'data-label': c.label }, c.value(r)))))),
    foot ? h('tfoot', {}, h('tr', {}, columns.map((c, i) => h('td', { class: c.num ? 'num' : '', 'data-label': c.label }, foot[i] ?? '')))) : null);
  return h('div', { class: 'table-wrap' }, t);
}

export function alertBox(kind, title, ...body) {
  return h('div', { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, h('h2', {}, title), ...body);
}

// The problem an API call returned, as a person should read it.
export function errorBox(err, { rowLabel = 'Row' } = {}) {
  const m = messageFor(err);
  const kind = err && err.missingRoute ? 'info' : 'error';
  const items = (m.errors || []).slice(0, 50).map((e) => {
    const where = e.row !== undefined ? `${rowLabel} ${e.row}` : e.index !== undefined ? `Item ${e.index + 1}` : '';
    return h('li', {}, [where, e.field].filter(Boolean).join(', ') + (where || e.field ? ': ' : ''), e.reason || '');
  });
  return alertBox(kind, m.title, m.detail ? h('p', {}, m.detail) : null, items.length ? h('ul', {}, items) : null);
}

export function notAvailable(what) {
  return alertBox('info', `${what} is not available yet.`, h('p', {}, 'This server does not offer it yet. Everything else keeps working; check back after the next update.'));
}

// Runs a section loader; a failure becomes a message inside that section only.
export async function section(el, loader) {
  replace(el, h('p', { class: 'loading' }, 'Loading…'));
  try {
    const content = await loader();
    replace(el, content);
  } catch (err) {
    replace(el, errorBox(err));
  }
}

export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.classList.add('show');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => t.classList.remove('show'), 3000);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = h('textarea', { 'aria-hidden': 'true', style: 'position:fixed;left:-999px' });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  toast(`Copied ${text}`);
}

export function download(name, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, style: 'display:none' });
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(url); a.remove(); }, 1000);
}

export function csvLine(values) {
  return values.map((v) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }).join(',') + '\r\n';
}

export function pill(text, kind = '') { return h('span', { class: `pill ${kind}` }, text); }

export function busy(button, fn) {
  return async (...args) => {
    button.disabled = true;
    try { return await fn(...args); } finally { button.disabled = false; }
  };
}

// The list in a response that is either an array or an object holding one.
export function listOf(resp, ...keys) {
  if (Array.isArray(resp)) return resp;
  if (!resp || typeof resp !== 'object') return [];
  for (const k of keys) if (Array.isArray(resp[k])) return resp[k];
  const first = Object.values(resp).find(Array.isArray);
  return first || [];
}
