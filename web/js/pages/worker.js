// The worker's pages: the account and its balances, why each balance is what it is,
// coverage (provider and plan), leave pay and withdrawals, saving more (withholding consents,
// one-off contributions, the public match), statements and the export.
import { api, ApiError } from '../api.js';
import { session } from '../session.js';
import * as f from '../format.js';
import { h, replace, table, field, errorBox, notAvailable, alertBox, copyText, download, pill, listOf, section, busy } from '../ui.js';
import { lineChart, barChart } from '../charts.js';

const acct = () => session().account;
const base = () => `/v1/workers/${encodeURIComponent(acct())}`;

let cache = null; // { at, summary, lines } for this page view sequence
async function load() {
  if (cache && Date.now() - cache.at < 15000 && cache.account === acct()) return cache;
  const [summary, explain] = await Promise.all([api('GET', base()), api('GET', `${base()}/explain`)]);
  cache = { at: Date.now(), account: acct(), summary, lines: explain.lines || [] };
  return cache;
}
export function forget() { cache = null; }

export async function render(main, ctx) {
  const pages = { '/worker': overview, '/worker/why': why, '/worker/coverage': coverage, '/worker/requests': requests, '/worker/saving': saving, '/worker/statements': statements };
  return pages[ctx.path](main, ctx);
}

// ---- My account ----
async function overview(main) {
  const { summary, lines } = await load();
  const number = summary.account;
  const eligibility = h('div', { id: 'eligibility' });
  replace(main,
    h('h1', {}, summary.name ? `Hello, ${summary.name}` : 'Your account'),
    h('section', { class: 'card', 'aria-labelledby': 'acct-h' },
      h('h2', { id: 'acct-h' }, 'Your account number'),
      h('p', {}, 'Give this number to every app, company or household you work for. Everything they pay in for your benefits comes to this one account, and it stays yours when you change jobs.'),
      h('div', { class: 'row' },
        h('span', { class: 'account', id: 'account-number' }, number),
        h('button', { type: 'button', class: 'secondary', id: 'copy-account', 'aria-label': `Copy account number ${number}`, onclick: () => copyText(number) }, 'Copy'))),
    h('div', { class: 'grid' },
      h('section', { class: 'card', 'aria-labelledby': 'total-h' },
        h('h2', { id: 'total-h' }, 'Total paid in for you'),
        h('p', { class: 'big', id: 'total' }, f.money(summary.total)),
        h('p', { class: 'muted' }, `From ${f.count(summary.reports)} ${summary.reports === 1 ? 'work report' : 'work reports'} by ${new Set((summary.by_payer || []).map((p) => p.entity)).size} ${(summary.by_payer || []).length === 1 ? 'payer' : 'payers'}.`)),
      h('section', { class: 'card', 'aria-labelledby': 'by-payer-h' },
        h('h2', { id: 'by-payer-h' }, 'Who paid in'),
        table([
          { label: 'From', value: (p) => p.entity || 'Public program' },
          { label: 'How', value: (p) => f.payerName(p.payer) },
          { label: 'Amount', num: true, value: (p) => f.money(p.money) },
        ], summary.by_payer || [], { empty: 'No one has paid in yet.' }))),
    h('section', { class: 'card', 'aria-labelledby': 'bal-h' },
      h('h2', { id: 'bal-h' }, 'Your balances'),
      h('p', { class: 'muted' }, 'Money set aside for each benefit, and hours of paid time off you have earned.'),
      table([
        { label: 'Benefit', value: (b) => f.benefitName(b.benefit) },
        { label: 'Money', num: true, value: (b) => f.money(b.money) },
        { label: 'Paid time off', num: true, value: (b) => (f.dec(b.leave_hours) ? f.hours(b.leave_hours) : '—') },
        { label: 'Details', value: (b) => h('a', { href: `/worker/why?benefit=${encodeURIComponent(b.benefit)}`, 'data-link': true, 'aria-label': `Why this much? ${f.benefitName(b.benefit)}` }, 'Why this much?') },
      ], summary.benefits || [], {
        empty: 'Nothing has been paid in yet. Once a company reports your work, it shows up here.',
        foot: ['Total', f.money(summary.total), f.hours(f.sum((summary.benefits || []).map((b) => b.leave_hours))), ''],
      })),
    h('section', { class: 'card', 'aria-labelledby': 'chart-h' },
      h('h2', { id: 'chart-h' }, 'Your balance over time'),
      balanceChart(lines)),
    h('section', { class: 'card', 'aria-labelledby': 'elig-h' },
      h('h2', { id: 'elig-h' }, 'Progress toward coverage'), eligibility));
  section(eligibility, loadEligibility);
}

function balanceChart(lines) {
  const byDay = new Map();
  for (const l of lines) if (l.unit !== 'hours') byDay.set(l.work_date, (byDay.get(l.work_date) || 0n) + f.dec(l.amount));
  const days = [...byDay.keys()].sort();
  let run = 0n;
  const points = days.map((d) => { run += byDay.get(d); return { x: d, y: f.toNumber(run) }; });
  if (!points.length) return h('p', { class: 'muted' }, 'Your balance will be drawn here once work is reported.');
  return lineChart({ title: 'Total balance by date of work', points, fmt: (v) => f.money(String(v)), xfmt: f.date, tick: f.shortDate });
}

async function loadEligibility() {
  let r;
  try {
    r = await api('GET', `${base()}/eligibility`);
  } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return notAvailable('Progress toward coverage');
    throw e;
  }
  const months = [];
  for (const p of listOf(r, 'programs')) for (const m of (p.months || [p])) months.push({ program: p.name || p.program, ...m });
  if (!months.length) return h('p', { class: 'muted' }, 'No program with a work-hours threshold applies to your work yet.');
  // The latest month per program and benefit.
  const latest = new Map();
  for (const m of months) {
    const k = `${m.program}|${m.benefit}`;
    if (!latest.has(k) || (m.month || '') > (latest.get(k).month || '')) latest.set(k, m);
  }
  return h('ul', { class: 'plain', style: 'list-style:none;padding:0;margin:0' }, [...latest.values()].map((m) => {
    const unitWord = m.unit === 'earnings' ? 'money' : 'hours';
    const counted = f.toNumber(m.counted), needed = f.toNumber(m.still_needed);
    const pct = counted + needed > 0 ? Math.min(100, (100 * counted) / (counted + needed)) : (m.eligible ? 100 : 0);
    const amount = (v) => (unitWord === 'money' ? f.money(v) : `${f.decString(f.dec(v), 2).replace(/\.00$/, '')} hours`);
    const what = `${f.month(m.month)}'s ${f.benefitName(m.benefit).toLowerCase()}${m.next_tier ? ` (${m.next_tier})` : ''}`;
    const text = m.eligible && !needed
      ? `You are covered: ${what}.`
      : needed ? `${amount(m.still_needed)} to go for ${what}${m.deadline ? `, worked by the end of ${f.month(m.deadline)}` : ''}.` : `Not yet covered: ${what}.`;
    return h('li', { style: 'margin-bottom:1rem' },
      h('div', {}, h('strong', {}, text), ' ', m.eligible ? pill('Covered', 'ok') : pill('Not yet', 'warn')),
      h('div', { class: 'progress', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(Math.round(pct)), 'aria-label': `Progress toward ${what}` }, h('span', { style: `width:${pct}%` })),
      h('div', { class: 'muted' }, `${amount(m.counted)} counted so far${m.program ? ` · ${m.program}` : ''}${m.note ? ` · ${m.note}` : ''}`));
  }));
}

// ---- Why is it this much? ----
async function why(main, { query, navigate }) {
  const { summary, lines } = await load();
  const benefits = (summary.benefits || []).map((b) => b.benefit);
  const chosen = benefits.includes(query.get('benefit')) ? query.get('benefit') : '';
  const select = h('select', { id: 'benefit-filter', name: 'benefit' },
    h('option', { value: '' }, 'All benefits'),
    benefits.map((b) => h('option', { value: b, selected: b === chosen }, f.benefitName(b))));
  select.addEventListener('change', () => navigate(`/worker/why${select.value ? `?benefit=${encodeURIComponent(select.value)}` : ''}`, { replace: true }));
  const shown = lines.filter((l) => !chosen || l.benefit === chosen);
  const bal = chosen ? (summary.benefits || []).find((b) => b.benefit === chosen) : null;
  const money = shown.filter((l) => l.unit !== 'hours');
  const hrs = shown.filter((l) => l.unit === 'hours');

  // Contributions by paying entity and month.
  const monthsSet = [...new Set(money.map((l) => f.monthKey(l.work_date)))].sort();
  const payers = [...new Set(money.map((l) => l.entity || 'Public program'))].sort();
  const cell = new Map();
  for (const l of money) {
    const k = `${l.entity || 'Public program'}|${f.monthKey(l.work_date)}`;
    cell.set(k, (cell.get(k) || 0n) + f.dec(l.amount));
  }
  const byEntityMonth = [];
  for (const p of payers) for (const m of monthsSet) if (cell.has(`${p}|${m}`)) byEntityMonth.push({ payer: p, month: m, amount: cell.get(`${p}|${m}`) });

  replace(main,
    h('h1', {}, 'Why is it this much?'),
    h('p', { class: 'lead' }, 'Every amount below comes from a day of work a company reported, the rate a program sets, and the program’s rules in force that day.'),
    h('div', { class: 'card' }, field('Show', select),
      bal ? h('p', { id: 'why-total' }, h('strong', {}, `${f.benefitName(chosen)}: ${f.money(bal.money)}`), f.dec(bal.leave_hours) ? ` and ${f.hours(bal.leave_hours)} of paid time off` : '', '. The lines below add up to exactly this.')
        : h('p', { id: 'why-total' }, h('strong', {}, `All benefits: ${f.money(summary.total)}`), '. The lines below add up to exactly this.')),
    h('section', { class: 'card', 'aria-labelledby': 'em-h' },
      h('h2', { id: 'em-h' }, 'Paid in by company and month'),
      monthsSet.length ? barChart({ title: 'Contributions by month and payer', groups: monthsSet, series: payers.map((p) => ({ name: p, values: monthsSet.map((m) => f.toNumber(cell.get(`${p}|${m}`) || 0n)) })), fmt: (v) => f.money(String(v)), xfmt: f.shortMonth }) : null,
      table([
        { label: 'Paid by', value: (r) => r.payer },
        { label: 'Month', value: (r) => f.month(r.month) },
        { label: 'Amount', num: true, value: (r) => f.money(r.amount) },
      ], byEntityMonth, { empty: 'Nothing paid in yet.' })),
    h('section', { class: 'card', 'aria-labelledby': 'lines-h' },
      h('h2', { id: 'lines-h' }, 'Every line behind it'),
      linesTable(money, 'Money', f.money),
      hrs.length ? h('h3', {}, 'Paid time off earned') : null,
      hrs.length ? linesTable(hrs, 'Hours', f.hours) : null));
}

function linesTable(lines, label, fmt, limit = 50) {
  const rows = lines.slice(0, limit);
  const wrap = h('div', {},
    table([
      { label: 'Work date', value: (l) => f.date(l.work_date) },
      { label: 'Paid by', value: (l) => h('span', {}, l.entity || 'Public program', h('br'), h('span', { class: 'muted' }, f.payerName(l.payer))) },
      { label: 'Report', value: (l) => h('span', {}, h('code', {}, l.report_id), l.replaces ? h('span', { class: 'muted' }, ` (corrects ${l.replaces})`) : '') },
      { label: 'Benefit', value: (l) => f.benefitName(l.benefit) },
      { label: 'Program and rule', value: (l) => h('span', {}, `${l.program}, rules of ${f.date(l.version)}`, h('br'), h('span', { class: 'muted' }, [l.rule, l.rate ? `rate ${l.rate}` : '', l.note].filter(Boolean).join(' · '))) },
      { label, num: true, value: (l) => fmt(l.amount) },
    ], rows, { empty: 'No lines yet.', foot: ['Total', '', '', '', '', fmt(f.sum(lines.map((l) => l.amount)))] }));
  if (lines.length > rows.length) {
    const more = Math.min(lines.length, limit * 10);
    wrap.append(h('p', { class: 'muted' }, `Showing ${rows.length} of ${lines.length} lines; the total counts them all, and the statement download lists them all.`),
      h('button', { type: 'button', class: 'secondary', onclick: () => { const next = linesTable(lines, label, fmt, more); wrap.replaceWith(next); next.querySelector('tbody tr:nth-child(' + (rows.length + 1) + ') td')?.setAttribute('tabindex', '-1'); } }, `Show ${more === lines.length ? 'all' : more} lines`));
  }
  return wrap;
}

// ---- Coverage: provider and plan ----
async function coverage(main) {
  const current = h('div', { id: 'current-enrollment' });
  const exchange = h('div', { id: 'exchange' });
  replace(main,
    h('h1', {}, 'Your coverage'),
    h('p', { class: 'lead' }, 'A nonprofit benefit provider looks after your account. You can move to another one during open enrollment; everything you have earned moves with you.'),
    h('section', { class: 'card', 'aria-labelledby': 'cur-h' }, h('h2', { id: 'cur-h' }, 'Your provider now'), current),
    h('section', { class: 'card', 'aria-labelledby': 'ex-h' }, h('h2', { id: 'ex-h' }, 'Compare plans'), exchange));
  let enrolled = null;
  await section(current, async () => {
    try {
      enrolled = await api('GET', `${base()}/enrollment`);
    } catch (e) {
      if (e instanceof ApiError && (e.missingRoute || e.status === 404)) return h('p', { class: 'muted' }, 'Your current provider is not shown here yet. If you never chose one, you have the program’s default provider, so you are covered.');
      throw e;
    }
    const cur = enrolled.current || enrolled.enrollment || enrolled;
    const pending = enrolled.election || enrolled.pending;
    return h('div', {},
      h('dl', { class: 'facts' },
        h('dt', {}, 'Provider'), h('dd', { id: 'current-provider' }, cur.provider_name || cur.provider || '—'),
        h('dt', {}, 'Plan'), h('dd', {}, cur.plan_name || cur.plan || '—'),
        cur.since ? [h('dt', {}, 'Since'), h('dd', {}, f.date(cur.since))] : null),
      pending ? alertBox('ok', 'Your change is booked.', h('p', { id: 'pending-change' }, `You move to ${pending.provider} (${pending.plan}) on ${f.date(pending.effective)}.`)) : null);
  });
  await section(exchange, () => plans(enrolled));
}

async function plans(enrolled) {
  let rows;
  try {
    rows = listOf(await api('GET', '/v1/exchange'), 'plans', 'exchange', 'rows');
  } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return notAvailable('Choosing a provider and plan');
    throw e;
  }
  if (!rows.length) return h('p', { class: 'muted' }, 'No provider has listed a plan yet.');
  const cur = enrolled ? (enrolled.current || enrolled.enrollment || enrolled) : {};
  const message = h('div', { 'aria-live': 'polite' });
  const cards = rows.map((p) => {
    const isCurrent = cur.provider === p.provider && cur.plan === (p.plan || p.id);
    const choices = (p.optional || []).map((b) => {
      const input = h('input', { type: 'checkbox', name: 'choices', value: b, id: `opt-${p.provider}-${p.plan}-${b}` });
      return h('label', { class: 'choice', for: input.id }, input, f.benefitName(b));
    });
    const form = h('form', { class: 'plan-form' },
      choices.length ? h('fieldset', {}, h('legend', {}, 'Extras you want'), choices) : null,
      h('button', { type: 'submit', disabled: isCurrent }, isCurrent ? 'Your plan' : `Choose ${p.name || p.plan}`));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        const r = await api('POST', `${base()}/enrollment`, { json: { provider: p.provider, plan: p.plan || p.id, choices: [...form.querySelectorAll('input[name=choices]:checked')].map((i) => i.value) } });
        const when = r && (r.effective || (r.election && r.election.effective));
        replace(message, alertBox('ok', 'Done: your choice is saved.', h('p', { id: 'enrollment-result' },
          r && r.enrolled ? `You are now with ${p.provider_name || p.provider}, ${p.name || p.plan}.` : `You move to ${p.provider_name || p.provider}, ${p.name || p.plan}${when ? ` on ${f.date(when)}` : ' when open enrollment ends'}. Your balances move with you.`)));
      } catch (err) {
        replace(message, errorBox(err));
        button.disabled = false;
      }
      message.scrollIntoView({ block: 'nearest' });
    });
    return h('article', { class: `plan${isCurrent ? ' current' : ''}`, 'aria-label': `${p.provider_name || p.provider}, ${p.name || p.plan}` },
      h('h3', {}, p.provider_name || p.provider, h('br'), h('span', { class: 'muted' }, p.name || p.plan)),
      isCurrent ? pill('Your plan', 'ok') : null, p.default ? pill('Default') : null,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Monthly fee'), h('dd', {}, f.money(p.monthly_fee || '0')),
        h('dt', {}, 'Kept for running costs'), h('dd', {}, p.contribution_fee || '—'),
        h('dt', {}, 'Members'), h('dd', {}, p.members !== undefined ? f.count(p.members) : '—'),
        h('dt', {}, 'Reserves held'), h('dd', {}, p.reserve_ratio ? `${p.reserve_ratio} (needs ${p.required_reserve_ratio || '—'})` : '—')),
      h('p', { style: 'margin-bottom:0' }, h('strong', {}, 'Always included: ')), h('ul', {}, (p.mandatory || []).map((b) => h('li', {}, f.benefitName(b)))),
      form);
  });
  return h('div', {}, message, h('p', { class: 'muted' }, 'Changes made during open enrollment take effect at the start of the next plan year.'), h('div', { class: 'plans' }, cards));
}

// ---- Leave pay and withdrawals ----
async function requests(main) {
  const { summary } = await load();
  const list = h('div', { id: 'request-list' });
  const message = h('div', { 'aria-live': 'polite', id: 'request-message' });
  const kind = h('select', { name: 'kind', id: 'request-kind' }, h('option', { value: 'leave' }, 'Paid time off (leave pay)'), h('option', { value: 'withdrawal' }, 'Cash withdrawal'));
  const benefit = h('select', { name: 'benefit', id: 'request-benefit' }, (summary.benefits || []).map((b) =>
    h('option', { value: b.benefit }, `${f.benefitName(b.benefit)} — ${f.dec(b.leave_hours) ? f.hours(b.leave_hours) : f.money(b.money)}`)));
  const hoursIn = h('input', { name: 'hours', id: 'request-hours', inputmode: 'decimal', placeholder: '8' });
  const amountIn = h('input', { name: 'amount', id: 'request-amount', inputmode: 'decimal', placeholder: '50.00' });
  const firstDay = h('input', { name: 'first_day', id: 'request-date', type: 'date' });
  const reason = h('input', { name: 'reason', id: 'request-reason', maxlength: '200' });
  const hoursField = field('How many hours', hoursIn, 'Hours of paid time off you want paid, for example 8.');
  const amountField = field('How much money', amountIn, 'In dollars, for example 50.00.');
  const dateField = field('First day off', firstDay);
  const sync = () => { const leave = kind.value === 'leave'; hoursField.hidden = !leave; dateField.hidden = !leave; amountField.hidden = leave; };
  kind.addEventListener('change', sync);
  const leaveBenefit = (summary.benefits || []).find((b) => f.dec(b.leave_hours) > 0n);
  if (leaveBenefit) benefit.value = leaveBenefit.benefit;
  const form = h('form', { id: 'request-form', novalidate: true },
    field('What do you need?', kind), field('From which benefit', benefit), hoursField, amountField, dateField,
    field('Reason (optional)', reason, 'For example: sick, caring for family. Your provider sees this; the companies you work for never do.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Send request')));
  sync();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const leave = kind.value === 'leave';
    const input = leave ? hoursIn : amountIn;
    input.removeAttribute('aria-invalid');
    if (!/^\d+(\.\d{1,2})?$/.test(input.value.trim()) || f.dec(input.value) <= 0n) {
      input.setAttribute('aria-invalid', 'true');
      replace(message, alertBox('error', leave ? 'Enter the number of hours, like 8 or 7.5.' : 'Enter an amount in dollars, like 50.00.'));
      return input.focus();
    }
    const today = new Date().toISOString().slice(0, 10);
    const body = leave
      ? { benefit: benefit.value, first: firstDay.value || today, hours: input.value.trim() }
      : { benefit: benefit.value, use: reason.value.trim() || 'withdrawal', amount: input.value.trim() };
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const r = await api('POST', `${base()}/${leave ? 'leave-requests' : 'claims'}`, { json: body });
      replace(message, alertBox('ok', 'Request sent.', h('p', {}, `Your provider will approve or deny it. You can follow it below${r && r.id ? ` (request ${r.id})` : ''}.`)));
      form.reset(); sync();
      section(list, loadRequests);
    } catch (err) {
      replace(message, errorBox(err));
    } finally { button.disabled = false; }
  });
  replace(main,
    h('h1', {}, 'Leave pay and cash'),
    h('p', { class: 'lead' }, 'Ask to be paid for time off you have earned, or to take money out. Your benefit provider approves or denies each request.'),
    h('section', { class: 'card', 'aria-labelledby': 'new-h' }, h('h2', { id: 'new-h' }, 'New request'), message, form),
    h('section', { class: 'card', 'aria-labelledby': 'list-h' }, h('h2', { id: 'list-h' }, 'Your requests'), list));
  section(list, loadRequests);
}

async function loadRequests() {
  let r;
  try { r = listOf(await api('GET', `${base()}/requests`), 'requests'); } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return notAvailable('Requesting leave pay or a withdrawal');
    throw e;
  }
  return table([
    { label: 'Sent', value: (x) => (x.asked ? f.date(x.asked) : f.when(x.created_at || x.date)) },
    { label: 'What', value: (x) => `${x.kind === 'claim' || x.kind === 'withdrawal' ? 'Cash withdrawal' : 'Leave pay'} · ${f.benefitName(x.benefit)}` },
    { label: 'Amount', num: true, value: (x) => [x.hours ? f.hours(x.hours) : '', x.amount ? f.money(x.amount) : ''].filter(Boolean).join(' · ') || '—' },
    { label: 'Status', value: (x) => h('span', {}, statusPill(x.status), x.reason_denied || x.decision_reason ? h('span', { class: 'muted' }, ` ${x.reason_denied || x.decision_reason}`) : '') },
  ], r, { empty: 'You have not sent any requests.' });
}

export function statusPill(s) {
  const k = { approved: 'ok', paid: 'ok', denied: 'bad', pending: 'warn', requested: 'warn' }[s] || '';
  const words = { pending: 'Waiting for your provider', requested: 'Waiting for your provider', approved: 'Approved', denied: 'Denied', paid: 'Paid' };
  return pill(words[s] || f.humanize(s), k);
}

// ---- Save more: withholding consents, one-off contributions, the public match ----
// The consent keeps the version of the words the worker agreed to; a change to the words
// below needs a new version.
const CONSENT_VERSION = 'portal-withholding-v1';
const consentText = (percent, benefit, from) =>
  `I ask every company that reports my work to Accrue to hold back ${percent} of my earnings (tips not included) from ${from} on and pay it into my ${benefitName(benefit)} account. I can stop this at any time; it stops from the day I choose.`;
const benefitName = (b) => f.benefitName(b).toLowerCase();
// The worker's own calendar day, as the date inputs show it.
const today = () => { const d = new Date(); return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`; };

async function saving(main) {
  const { summary } = await load();
  const choices = [...new Set(['retirement', ...(summary.benefits || []).filter((b) => !f.dec(b.leave_hours)).map((b) => b.benefit)])];
  const benefitSelect = (id) => h('select', { id, name: 'benefit' }, choices.map((b) => h('option', { value: b }, f.benefitName(b))));
  const list = h('div', { id: 'consent-list' });
  const matchBox = h('div', { id: 'match' });
  const message = h('div', { 'aria-live': 'polite', id: 'consent-message' });
  const reloadConsents = () => section(list, () => loadConsents(reloadConsents));

  const benefit = benefitSelect('consent-benefit');
  const percent = h('input', { id: 'consent-percent', name: 'percent', inputmode: 'decimal', placeholder: '5', maxlength: '8' });
  const from = h('input', { id: 'consent-from', name: 'effective', type: 'date', value: today() });
  const wording = h('p', { id: 'consent-wording', class: 'consent-text' });
  const agree = h('input', { type: 'checkbox', id: 'consent-agree', name: 'agree' });
  const showWording = () => { wording.textContent = consentText(`${percent.value.trim() || '…'}%`, benefit.value, f.date(from.value || today())); };
  for (const el of [benefit, percent, from]) el.addEventListener('input', showWording);
  showWording();
  const form = h('form', { id: 'consent-form', novalidate: true },
    field('Into which benefit', benefit), field('Share of your earnings (%)', percent, 'For example 5 or 2.5; at most 100.'),
    field('Starting on', from), h('p', {}, h('strong', {}, 'What you agree to')), wording,
    h('label', { class: 'choice', for: 'consent-agree' }, agree, 'I agree to this, in these words.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Start saving')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(message);  // an earlier refusal no longer applies
    percent.removeAttribute('aria-invalid');
    const p = percent.value.trim();
    if (!/^\d{1,3}(\.\d{1,4})?$/.test(p) || f.dec(p) <= 0n || f.dec(p) > f.dec('100')) {
      percent.setAttribute('aria-invalid', 'true');
      replace(message, alertBox('error', 'Enter a share between 0 and 100, like 5 or 2.5.'));
      return percent.focus();
    }
    if (!agree.checked) {
      replace(message, alertBox('error', 'Tick “I agree” to give your consent.', h('p', {}, 'Nothing is held back from your pay without it.')));
      return agree.focus();
    }
    await busy(form.querySelector('button'), async () => {
      try {
        const c = await api('POST', `${base()}/consents`, { json: { benefit: benefit.value, percent: `${p}%`, effective: from.value || today(), wording: CONSENT_VERSION } });
        replace(message, alertBox('ok', 'Your consent is recorded.', h('p', { id: 'consent-result' }, `From ${f.date(c.effective)}, ${c.percent} of your earnings goes into your ${benefitName(c.benefit)} account.`)));
        form.reset(); from.value = today(); showWording();
        reloadConsents();
      } catch (err) { replace(message, errorBox(err)); }
    })();
  });

  const once = oneOffForm(benefitSelect('oneoff-benefit'), () => section(matchBox, loadMatch));
  replace(main,
    h('h1', {}, 'Save more'),
    h('p', { class: 'lead' }, 'Put part of your own pay into your benefits, and see what a public match adds. You choose how much, and you can stop at any time.'),
    h('section', { class: 'card', 'aria-labelledby': 'consent-h' }, h('h2', { id: 'consent-h' }, 'Hold back a share of my pay'), message, form),
    h('section', { class: 'card', 'aria-labelledby': 'consents-h' }, h('h2', { id: 'consents-h' }, 'What you have agreed to'), list),
    h('section', { class: 'card', 'aria-labelledby': 'oneoff-h' }, h('h2', { id: 'oneoff-h' }, 'Pay in once'), once),
    h('section', { class: 'card', 'aria-labelledby': 'match-h' }, h('h2', { id: 'match-h' }, 'Public match this year'), matchBox));
  reloadConsents();
  section(matchBox, loadMatch);
}

async function loadConsents(reload) {
  let rows;
  try { rows = listOf(await api('GET', `${base()}/consents`), 'consents'); } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return notAvailable('Saving from your pay');
    throw e;
  }
  const stop = (c) => {
    const button = h('button', { type: 'button', class: 'secondary', 'aria-label': `Stop saving ${c.percent} into ${benefitName(c.benefit)}` }, 'Stop');
    button.addEventListener('click', busy(button, async () => {
      const holder = button.parentElement;
      try {
        await api('POST', `${base()}/consents/${c.id}/revoke`, { json: { effective: today() } });
        forget();
        reload();
      } catch (err) { replace(holder, errorBox(err)); }
    }));
    return h('span', {}, button);
  };
  return table([
    { label: 'Benefit', value: (c) => f.benefitName(c.benefit) },
    { label: 'Share of earnings', num: true, value: (c) => c.percent },
    { label: 'From', value: (c) => f.date(c.effective) },
    { label: 'Status', value: (c) => (c.active ? pill('Active', 'ok') : h('span', {}, pill('Stopped'), h('span', { class: 'muted' }, ` from ${f.date(c.ends)}`))) },
    { label: 'Change', value: (c) => (c.active ? stop(c) : '—') },
  ], rows, { empty: 'Nothing is held back from your pay.' });
}

function oneOffForm(benefit, after) {
  const amount = h('input', { id: 'oneoff-amount', name: 'amount', inputmode: 'decimal', placeholder: '25.00', maxlength: '12' });
  const message = h('div', { 'aria-live': 'polite', id: 'oneoff-message' });
  // One reference per form: sending the same payment twice records it once.
  let reference = `portal-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const form = h('form', { id: 'oneoff-form', novalidate: true },
    message, field('Into which benefit', benefit), field('Amount', amount, 'In dollars, for example 25.00.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Pay in')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    replace(message);  // an earlier refusal no longer applies
    amount.removeAttribute('aria-invalid');
    const a = amount.value.trim();
    if (!/^\d+(\.\d{1,2})?$/.test(a) || f.dec(a) <= 0n) {
      amount.setAttribute('aria-invalid', 'true');
      replace(message, alertBox('error', 'Enter an amount in dollars, like 25.00.'));
      return amount.focus();
    }
    await busy(form.querySelector('button'), async () => {
      try {
        const r = await api('POST', `${base()}/contributions`, { json: { benefit: benefit.value, amount: a, reference } });
        replace(message, alertBox('ok', r.outcome === 'recorded' ? 'Paid in.' : 'Already paid in.', h('p', { id: 'oneoff-result' }, `${f.money(r.amount)} into your ${benefitName(r.benefit)} account on ${f.date(r.day)}.`)));
        reference = `portal-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
        form.reset();
        forget();
        after();
      } catch (err) { replace(message, errorBox(err)); }
    })();
  });
  return form;
}

async function loadMatch() {
  let r;
  try { r = await api('GET', `${base()}/match`); } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return notAvailable('The public match');
    throw e;
  }
  const lines = listOf(r, 'lines');
  if (!lines.length) return h('p', { class: 'muted', id: 'match-none' }, 'No public match applies where you live this year.');
  return h('div', {},
    h('p', { class: 'muted' }, `What public programs add to your own savings in ${r.year}. It is settled after the year, when all your earnings are known.`),
    table([
      { label: 'Program', value: (l) => l.program },
      { label: 'Benefit', value: (l) => f.benefitName(l.benefit) },
      { label: 'You saved', num: true, value: (l) => f.money(l.contributions) },
      { label: 'Match so far', num: true, value: (l) => f.money(l.due) },
      { label: 'Already paid', num: true, value: (l) => f.money(l.posted) },
      { label: 'How', value: (l) => h('span', { class: 'muted' }, l.basis) },
    ], lines));
}

// ---- Statements and export ----
async function statements(main) {
  const { summary, lines } = await load();
  const months = [...new Set(lines.map((l) => f.monthKey(l.work_date)))].sort().reverse();
  const message = h('div', { 'aria-live': 'polite' });
  const years = [...new Set(months.map((m) => m.slice(0, 4)))];
  const monthSel = h('select', { id: 'statement-month' },
    months.map((m) => h('option', { value: `month=${m}` }, `${f.month(m)} (monthly notice)`)),
    years.map((y) => h('option', { value: `year=${y}` }, `${y} (yearly statement)`)));
  const csvButton = h('button', { type: 'button', id: 'download-csv' }, 'Download statement (CSV)');
  const pdfButton = h('button', { type: 'button', class: 'secondary', id: 'download-pdf' }, 'Download statement (PDF)');
  const exportButton = h('button', { type: 'button', id: 'download-export' }, 'Download my whole account (JSON)');
  const fetchStatement = async (format) => {
    try {
      if (!monthSel.value) return replace(message, alertBox('error', 'Nothing has been paid in for you yet, so there is no statement.'));
      const res = await api('GET', `${base()}/statement?${monthSel.value}&format=${format}`, { raw: true });
      download(`accrue-statement-${summary.account}-${monthSel.value.split('=')[1]}.${format}`, await res.blob());
      replace(message, alertBox('ok', 'Statement downloaded.'));
    } catch (err) {
      replace(message, err instanceof ApiError && err.missingRoute ? notAvailable('Statements') : errorBox(err));
    }
  };
  csvButton.addEventListener('click', () => fetchStatement('csv'));
  pdfButton.addEventListener('click', () => fetchStatement('pdf'));
  exportButton.addEventListener('click', async () => {
    try {
      const res = await api('GET', `${base()}/export`, { raw: true });
      download(`accrue-${summary.account.replace(/-/g, '')}.json`, await res.blob());
      replace(message, alertBox('ok', 'Your account export is downloaded.'));
    } catch (err) { replace(message, errorBox(err)); }
  });
  replace(main,
    h('h1', {}, 'Statements and your data'),
    h('p', { class: 'lead' }, 'Keep a record of what was paid in for you, or take your whole account with you.'),
    message,
    h('section', { class: 'card', 'aria-labelledby': 'st-h' }, h('h2', { id: 'st-h' }, 'Statement'),
      field('Period', monthSel), h('div', { class: 'actions' }, csvButton, pdfButton)),
    h('section', { class: 'card', 'aria-labelledby': 'ex-h' }, h('h2', { id: 'ex-h' }, 'Everything we hold about your account'),
      h('p', {}, 'One file with your balances, every line behind them and every work report on your account. It is yours to keep or to give to another provider.'),
      h('div', { class: 'actions' }, exportButton)));
}
