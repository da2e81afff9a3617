// A hiring entity's pages: upload a work-report CSV (every refused row listed before anything
// is recorded), its reports and corrections, what it owes, and its API keys.
import { api, ApiError } from '../api.js';
import { session } from '../session.js';
import * as f from '../format.js';
import { h, replace, table, field, errorBox, notAvailable, alertBox, listOf, section, pill } from '../ui.js';

const ent = () => session().party;
const base = () => `/v1/entities/${encodeURIComponent(ent())}`;

export async function render(main, ctx) {
  const pages = { '/entity': upload, '/entity/reports': reports, '/entity/billing': billing, '/entity/keys': keys };
  return pages[ctx.path](main, ctx);
}

async function sha256(text) {
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- Upload ----
async function upload(main) {
  const file = h('input', { type: 'file', id: 'csv-file', name: 'file', accept: '.csv,text/csv' });
  const result = h('div', { id: 'upload-result', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', id: 'check-upload' }, 'Check and record');
  const form = h('form', { id: 'upload-form', novalidate: true },
    field('Work-report CSV file', file, 'Columns: report_id, hiring_entity, worker, work_date, jurisdiction, hours, earnings, classification, and optionally tips, jobs, sector, replaces.'),
    h('div', { class: 'actions' }, send));
  let text = '';
  const submit = async (partial) => {
    const key = `portal-${await sha256(text)}-${partial ? 'partial' : 'all'}`;
    const buttons = main.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    replace(result, h('p', { class: 'loading' }, 'Checking every row…'));
    try {
      const r = await api('POST', `${base()}/batches${partial ? '?partial=true' : ''}`, { body: text, headers: { 'Content-Type': 'text/csv', 'Idempotency-Key': key } });
      replace(result, recorded(r, partial));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'batch_refused') replace(result, refused(err, () => submit(true)));
      else replace(result, errorBox(err));
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
      result.querySelector('h2')?.setAttribute('tabindex', '-1');
      result.querySelector('h2')?.focus();
    }
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!file.files.length) {
      file.setAttribute('aria-invalid', 'true');
      replace(result, alertBox('error', 'Choose a CSV file first.'));
      return file.focus();
    }
    file.removeAttribute('aria-invalid');
    text = await file.files[0].text();
    submit(false);
  });
  replace(main,
    h('h1', {}, 'Upload work reports'),
    h('p', { class: 'lead' }, 'Send the work your people did as a CSV file. Every row is checked first: if any row is wrong, nothing is recorded and you see each problem, so you can fix the file or record only the good rows.'),
    h('section', { class: 'card' }, form),
    result);
}

function refused(err, recordGood) {
  const rows = new Map();
  for (const e of err.errors) {
    const k = e.row ?? e.index ?? '?';
    if (!rows.has(k)) rows.set(k, []);
    rows.get(k).push(e);
  }
  const list = [...rows.entries()].sort((a, b) => a[0] - b[0]).map(([row, errs]) => ({ row, errs }));
  const m = /^(\d+)/.exec(err.detail || '');
  return h('div', {},
    alertBox('error', `${list.length} ${list.length === 1 ? 'row was' : 'rows were'} refused, so nothing was recorded.`,
      h('p', {}, 'Fix these rows and upload the file again, or record only the rows that are correct.')),
    h('section', { class: 'card', 'aria-labelledby': 'rej-h' },
      h('h2', { id: 'rej-h' }, 'Refused rows'),
      h('div', { id: 'rejected-rows' }, table([
        { label: 'Row', num: true, value: (r) => String(r.row) },
        { label: 'Column', value: (r) => h('span', {}, r.errs.map((e, i) => [i ? h('br') : null, h('code', {}, e.field || '—')])) },
        { label: 'Problem', value: (r) => h('span', {}, r.errs.map((e, i) => [i ? h('br') : null, e.reason])) },
      ], list, { caption: m ? `${m[1]} refused report(s); row numbers count the header as row 1` : undefined }))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'record-good', onclick: recordGood }, 'Record only the good rows'),
      h('button', { type: 'button', class: 'secondary', onclick: () => { document.getElementById('csv-file').value = ''; document.getElementById('csv-file').focus(); } }, 'Choose a fixed file')));
}

function recorded(r, partial) {
  const n = (k) => r[k] || 0;
  const bad = (r.errors || []).length;
  return h('div', {},
    alertBox(bad ? 'warn' : 'ok', `${f.count(n('recorded'))} ${n('recorded') === 1 ? 'report' : 'reports'} recorded.`,
      h('ul', { id: 'upload-counts' },
        h('li', {}, `${f.count(n('reports'))} rows read`),
        h('li', {}, `${f.count(n('recorded'))} recorded`),
        n('corrected') ? h('li', {}, `${f.count(n('corrected'))} corrections recorded`) : null,
        n('already_recorded') ? h('li', {}, `${f.count(n('already_recorded'))} already recorded before (sent again, not counted twice)`) : null,
        partial ? h('li', {}, `${f.count(n('rejected'))} refused and not recorded`) : null)),
    bad ? h('section', { class: 'card' }, h('h2', {}, 'Rows not recorded'), table([
      { label: 'Row', num: true, value: (e) => String(e.row ?? e.index ?? '') },
      { label: 'Column', value: (e) => h('code', {}, e.field || '—') },
      { label: 'Problem', value: (e) => e.reason },
    ], r.errors)) : null,
    h('p', {}, h('a', { href: '/entity/reports', 'data-link': true }, 'See your reports'), ' · ', h('a', { href: '/entity/billing', 'data-link': true }, 'See what you owe')));
}

// ---- Reports and corrections ----
async function reports(main, { query, navigate }) {
  const after = query.get('after') || '';
  const id = query.get('report');
  if (id) return reportDetail(main, id, navigate);
  const r = await api('GET', `${base()}/reports?limit=50${after ? `&after=${encodeURIComponent(after)}` : ''}`);
  const list = r.reports || [];
  const find = h('input', { id: 'find-report', name: 'report' });
  const findForm = h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); if (find.value.trim()) navigate(`/entity/reports?report=${encodeURIComponent(find.value.trim())}`); } },
    field('Find a report by its id', find), h('button', { type: 'submit', style: 'align-self:flex-end' }, 'Find'));
  replace(main,
    h('h1', {}, 'Your work reports'),
    h('p', { class: 'lead' }, 'Every report you sent, in report-id order. Open one to see what it paid in and to correct it.'),
    h('section', { class: 'card' }, findForm),
    h('section', { class: 'card', 'aria-labelledby': 'rep-h' }, h('h2', { id: 'rep-h' }, after ? `Reports after ${after}` : 'Reports'),
      table([
        { label: 'Report', value: (x) => h('a', { href: `/entity/reports?report=${encodeURIComponent(x.report_id)}`, 'data-link': true }, x.report_id) },
        { label: 'Work date', value: (x) => f.date(x.work_date) },
        { label: 'Worker', value: (x) => x.worker },
        { label: 'Hours', num: true, value: (x) => f.hours(x.hours) },
        { label: 'Earnings', num: true, value: (x) => f.money(x.earnings) },
        { label: 'Kind', value: (x) => (x.kind === 'correction' ? pill(`Corrects ${x.replaces}`, 'warn') : 'Report') },
      ], list, { empty: 'You have not sent any reports yet.' }),
      h('div', { class: 'actions' },
        after ? h('a', { class: 'button secondary', href: '/entity/reports', 'data-link': true }, 'First page') : null,
        r.next ? h('a', { class: 'button secondary', href: `/entity/reports?after=${encodeURIComponent(r.next)}`, 'data-link': true }, 'Next page') : null)));
}

async function reportDetail(main, id, navigate) {
  let r;
  try { r = await api('GET', `${base()}/reports/${encodeURIComponent(id)}`); } catch (err) {
    replace(main, h('h1', {}, `Report ${id}`), errorBox(err), h('p', {}, h('a', { href: '/entity/reports', 'data-link': true }, 'Back to your reports')));
    return;
  }
  const message = h('div', { 'aria-live': 'polite' });
  const inputs = {
    report_id: h('input', { value: `${id}-c${Date.now().toString(36)}`, required: true, maxlength: '64' }),
    work_date: h('input', { type: 'date', value: r.work_date, required: true }),
    hours: h('input', { value: r.hours, inputmode: 'decimal', required: true }),
    earnings: h('input', { value: r.earnings, inputmode: 'decimal', required: true }),
    tips: h('input', { value: r.tips, inputmode: 'decimal' }),
    jurisdiction: h('input', { value: r.jurisdiction, required: true }),
  };
  const form = h('form', { id: 'correction-form', novalidate: true },
    field('New report id', inputs.report_id, 'A new id of your own for the corrected report.'),
    field('Work date', inputs.work_date), field('Hours', inputs.hours), field('Earnings (dollars)', inputs.earnings), field('Tips (dollars)', inputs.tips),
    field('Work location (jurisdiction code)', inputs.jurisdiction),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Record correction')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { report_id: inputs.report_id.value.trim(), worker: r.worker, work_date: inputs.work_date.value, jurisdiction: inputs.jurisdiction.value.trim(),
      hours: inputs.hours.value.trim(), earnings: inputs.earnings.value.trim(), tips: inputs.tips.value.trim() || '0', jobs: r.jobs, classification: r.classification, sector: r.sector || undefined };
    try {
      const out = await api('POST', `${base()}/reports/${encodeURIComponent(id)}/corrections`, { json: body });
      replace(message, alertBox('ok', 'Correction recorded.', h('p', {}, 'The old report is reversed and the new one replaces it. ', h('a', { href: `/entity/reports?report=${encodeURIComponent(out.report ? out.report.report_id : body.report_id)}`, 'data-link': true }, 'Open the new report'))));
    } catch (err) { replace(message, errorBox(err, { rowLabel: 'Field' })); }
  });
  replace(main,
    h('h1', {}, `Report ${r.report_id}`),
    r.replaced_by ? alertBox('warn', 'This report has been corrected.', h('p', {}, 'It was replaced by ', h('a', { href: `/entity/reports?report=${encodeURIComponent(r.replaced_by)}`, 'data-link': true }, r.replaced_by), '.')) : null,
    h('section', { class: 'card' }, h('dl', { class: 'facts' },
      ...[['Worker', r.worker], ['Work date', f.date(r.work_date)], ['Where', r.jurisdiction], ['Hours', f.hours(r.hours)], ['Earnings', f.money(r.earnings)], ['Tips', f.money(r.tips)],
        ['Jobs', String(r.jobs)], ['Classification', r.classification === '1099' ? '1099 contractor' : 'W-2 employee'], ['Sector', r.sector || '—'], ['Corrects', r.replaces || '—']]
        .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))),
    h('section', { class: 'card', 'aria-labelledby': 'legs-h' }, h('h2', { id: 'legs-h' }, 'What it paid in'),
      table([
        { label: 'Account', value: (l) => h('code', {}, l.account) },
        { label: 'Rule', value: (l) => [l.rule, l.rate ? `rate ${l.rate}` : '', f.payerName(l.payer)].filter(Boolean).join(' · ') || '—' },
        { label: 'Amount', num: true, value: (l) => (l.unit === 'hours' ? f.hours(l.amount) : f.money(l.amount)) },
      ], r.legs || [])),
    r.replaced_by ? null : h('section', { class: 'card', 'aria-labelledby': 'cor-h' }, h('h2', { id: 'cor-h' }, 'Correct this report'), message, form),
    h('p', {}, h('a', { href: '/entity/reports', 'data-link': true }, 'Back to your reports')));
}

// ---- What we owe ----
async function billing(main, { query, navigate }) {
  const month = /^\d{4}-\d{2}$/.test(query.get('month') || '') ? query.get('month') : f.thisMonth();
  const monthIn = h('input', { type: 'month', id: 'owed-month', value: month });
  const owed = h('div', { id: 'obligations' });
  const invoices = h('div', { id: 'invoices' });
  replace(main,
    h('h1', {}, 'What you owe'),
    h('p', { class: 'lead' }, 'What your reports add up to for each month, the invoices issued for it, and what you have paid.'),
    h('section', { class: 'card', 'aria-labelledby': 'ob-h' }, h('h2', { id: 'ob-h' }, 'Owed for the month so far'),
      h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); navigate(`/entity/billing?month=${monthIn.value}`, { replace: true }); } },
        field('Month', monthIn), h('button', { type: 'submit', style: 'align-self:flex-end' }, 'Show')), owed),
    h('section', { class: 'card', 'aria-labelledby': 'inv-h' }, h('h2', { id: 'inv-h' }, 'Invoices and payments'), invoices));
  await Promise.all([
    section(owed, async () => {
      const o = await api('GET', `${base()}/obligations?month=${month}`);
      return h('dl', { class: 'facts' },
        h('dt', {}, 'Your share'), h('dd', {}, f.money(o.employer_share)),
        h('dt', {}, 'Withheld from workers’ pay'), h('dd', {}, f.money(o.withheld_from_workers)),
        h('dt', {}, h('strong', {}, `Total for ${f.month(o.month)}`)), h('dd', { id: 'owed-total' }, h('strong', {}, f.money(o.total))));
    }),
    section(invoices, async () => {
      let list;
      try { list = listOf(await api('GET', `${base()}/invoices`), 'invoices'); } catch (e) {
        if (e instanceof ApiError && e.missingRoute) return notAvailable('Invoices and payments');
        throw e;
      }
      return table([
        { label: 'Invoice', value: (i) => String(i.invoice ?? i.id) },
        { label: 'Period', value: (i) => i.period },
        { label: 'Issued', value: (i) => f.date(i.issued) },
        { label: 'Due', value: (i) => f.date(i.due) },
        { label: 'Amount', num: true, value: (i) => f.money(i.amount) },
        { label: 'Paid', num: true, value: (i) => f.money(i.paid) },
        { label: 'Still to pay', num: true, value: (i) => h('span', {}, f.money(i.unpaid), ' ', f.dec(i.unpaid) > 0n && i.due < new Date().toISOString().slice(0, 10) ? pill('Late', 'bad') : '') },
      ], list, { empty: 'No invoices have been issued to you yet.' });
    }),
  ]);
}

// ---- API keys ----
async function keys(main) {
  const list = h('div', { id: 'keys' });
  replace(main,
    h('h1', {}, 'API keys'),
    h('p', { class: 'lead' }, 'Keys let your systems send work reports to Accrue. Keep them secret: anyone with a key can report work in your name.'),
    h('section', { class: 'card' }, list));
  await section(list, async () => {
    try {
      const r = listOf(await api('GET', `${base()}/keys`), 'keys');
      return table([
        { label: 'Key id', value: (k) => h('code', {}, k.id) },
        { label: 'Label', value: (k) => k.label || '—' },
        { label: 'Created', value: (k) => f.when(k.created_at) },
        { label: 'Status', value: (k) => (k.revoked_at ? pill(`Revoked ${f.when(k.revoked_at)}`, 'bad') : pill('In use', 'ok')) },
      ], r, { empty: 'No keys.' });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 403 || e.missingRoute)) {
        return alertBox('info', 'Your program administrator manages your keys.',
          h('p', {}, 'To get a new key, replace one that may have leaked, or switch one off, ask your program administrator. They can issue, rotate and revoke keys for your organisation; a new key is shown only once.'),
          h('p', {}, 'You are signed in with a key for ', h('strong', {}, ent()), '.'));
      }
      throw e;
    }
  });
}
