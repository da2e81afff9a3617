// The regulator's (program administrator's) pages: contributions by jurisdiction, program,
// benefit and month; delinquent entities and providers' reserves; the policy packs in force;
// hiring entities and their API keys.
import { api, ApiError } from '../api.js';
import * as f from '../format.js';
import { h, replace, table, field, errorBox, notAvailable, alertBox, listOf, section, pill, copyText } from '../ui.js';
import { barChart } from '../charts.js';

export async function render(main, ctx) {
  const pages = { '/regulator': contributions, '/regulator/compliance': compliance, '/regulator/policies': policies, '/regulator/simulate': simulate, '/regulator/entities': entities };
  return pages[ctx.path](main, ctx);
}

async function optional(path, what, ...keys) {
  try { return { rows: listOf(await api('GET', path), ...keys) }; } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return { missing: notAvailable(what) };
    throw e;
  }
}

// ---- Contributions ----
async function contributions(main) {
  const body = h('div', { id: 'aggregates' });
  replace(main,
    h('h1', {}, 'Contributions'),
    h('p', { class: 'lead' }, 'What hiring entities, workers and governments paid in, by where the work was done, which program, which benefit and which month.'),
    body);
  await section(body, async () => {
    const r = await optional('/v1/aggregates/contributions', 'Contribution totals', 'rows', 'contributions', 'aggregates');
    if (r.missing) return r.missing;
    const rows = r.rows.map((x) => ({ ...x, amount: x.amount ?? x.money ?? x.total ?? '0', month: x.month || f.monthKey(x.work_date || x.date || '') }));
    const total = f.sum(rows.map((x) => x.amount));
    const months = [...new Set(rows.map((x) => x.month))].filter(Boolean).sort();
    const by = (key) => {
      const m = new Map();
      for (const x of rows) { const k = x[key] || '—'; m.set(k, (m.get(k) || 0n) + f.dec(x.amount)); }
      return [...m.entries()].sort((a, b) => (b[1] > a[1] ? 1 : -1));
    };
    const chartBy = (key, title, name = (k) => k) => {
      const keysOf = by(key).map(([k]) => k).slice(0, 8);
      const groups = months.length ? months : ['all'];
      const series = keysOf.map((k) => ({ name: name(k), values: groups.map((m) => f.toNumber(rows.filter((x) => (x[key] || '—') === k && (m === 'all' || x.month === m)).reduce((a, x) => a + f.dec(x.amount), 0n))) }));
      return h('section', { class: 'card', 'aria-labelledby': `c-${key}` }, h('h2', { id: `c-${key}` }, title),
        barChart({ title, groups, series, fmt: (v) => f.money(String(v)), xfmt: (m) => (m === 'all' ? 'All' : f.shortMonth(m)) }),
        table([{ label: title.replace(/^By /, ''), value: ([k]) => name(k) }, { label: 'Total', num: true, value: ([, v]) => f.money(v) }], by(key)));
    };
    return h('div', {},
      h('section', { class: 'card' }, h('h2', {}, 'Total paid in'), h('p', { class: 'big', id: 'aggregate-total' }, f.money(total))),
      h('div', { class: 'grid' },
        chartBy('jurisdiction', 'By jurisdiction'), chartBy('program', 'By program'),
        chartBy('benefit', 'By benefit', f.benefitName), chartBy('payer', 'By who paid', f.payerName)));
  });
}

// ---- Compliance ----
async function compliance(main) {
  const late = h('div', { id: 'delinquent' });
  const reserves = h('div', { id: 'reserves' });
  replace(main,
    h('h1', {}, 'Compliance'),
    h('p', { class: 'lead' }, 'Hiring entities that have not paid what they owe, and whether each provider holds the reserves it must.'),
    h('section', { class: 'card', 'aria-labelledby': 'd-h' }, h('h2', { id: 'd-h' }, 'Late payers'), late),
    h('section', { class: 'card', 'aria-labelledby': 'r-h' }, h('h2', { id: 'r-h' }, 'Provider reserves'), reserves));
  await Promise.all([
    section(late, async () => {
      const r = await optional('/v1/delinquencies', 'The late-payer list', 'delinquent', 'invoices');
      if (r.missing) return r.missing;
      return table([
        { label: 'Entity', value: (d) => d.entity },
        { label: 'Invoice', value: (d) => String(d.invoice ?? d.id ?? '') },
        { label: 'Period', value: (d) => d.period || '—' },
        { label: 'Due', value: (d) => f.date(d.due) },
        { label: 'Days late', num: true, value: (d) => String(d.days_late ?? '—') },
        { label: 'Unpaid', num: true, value: (d) => f.money(d.unpaid) },
      ], r.rows, { empty: 'Every hiring entity is up to date.' });
    }),
    section(reserves, async () => {
      const r = await optional('/v1/reserves', 'Provider reserves', 'reserves', 'providers');
      if (r.missing) return r.missing;
      return table([
        { label: 'Provider', value: (p) => p.provider_name || p.provider },
        { label: 'Members', num: true, value: (p) => f.count(p.members || 0) },
        { label: 'Earned by members', num: true, value: (p) => f.money(p.earned) },
        { label: 'Funds held', num: true, value: (p) => f.money(p.funded) },
        { label: 'Reserve ratio', num: true, value: (p) => p.ratio || '—' },
        { label: 'Required', num: true, value: (p) => p.required || '—' },
        { label: 'Meets it', value: (p) => (p.meets ? pill('Yes', 'ok') : pill('No', 'bad')) },
      ], r.rows, { empty: 'No providers yet.' });
    }),
  ]);
}

// ---- Policies ----
async function policies(main) {
  const r = await api('GET', '/v1/policies');
  const list = r.policies || [];
  replace(main,
    h('h1', {}, 'Policy packs in force'),
    h('p', { class: 'lead' }, 'Each program’s rates, splits, accruals and thresholds, as versioned data with the dates they apply from.'),
    h('section', { class: 'card', id: 'policies' }, table([
      { label: 'Program', value: (p) => h('span', {}, h('strong', {}, p.name || p.id), h('br'), h('code', {}, p.id)) },
      { label: 'In force', value: (p) => `${f.date(p.starts)} – ${p.ends ? f.date(p.ends) : 'no end date'}` },
      { label: 'Versions', value: (p) => h('span', {}, (p.versions || []).map((v, i) => [i ? ', ' : '', typeof v === 'string' ? f.date(v) : f.date(v.effective || v.from || v.starts || v.version || '')])) },
      { label: 'File', value: (p) => h('code', {}, p.file || '—') },
      { label: 'Source', value: (p) => (p.source && /^https?:/.test(p.source) ? h('a', { href: p.source, rel: 'noopener' }, 'Source') : p.source || '—') },
    ], list, { empty: 'No policy pack is loaded.' })));
}

// ---- Simulate a program before enacting it ----
async function simulate(main) {
  const packs = ((await api('GET', '/v1/policies')).policies || []);
  const result = h('div', { id: 'simulation', 'aria-live': 'polite' });
  const options = (none) => [none ? h('option', { value: '' }, 'No comparison') : null,
    ...packs.map((p) => h('option', { value: p.id }, p.name || p.id))].filter(Boolean);
  const pack = h('select', { id: 'sim-pack', name: 'pack' }, options(false));
  const compare = h('select', { id: 'sim-compare', name: 'compare' }, options(true));
  const workers = h('input', { id: 'sim-workers', name: 'workers', inputmode: 'numeric', value: '2000' });
  const months = h('input', { id: 'sim-months', name: 'months', inputmode: 'numeric', value: '12' });
  const form = h('form', { id: 'sim-form', novalidate: true },
    field('Program', pack), field('Compare with', compare),
    field('Workers (synthetic)', workers, 'Up to 100,000 here; the command line takes millions.'),
    field('Months', months, '1 to 36, from January 2026.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Run the simulation')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { packs: [pack.value], workers: Number(workers.value), months: Number(months.value), start: '2026-01' };
    if (compare.value) body.compare = [compare.value];
    const button = form.querySelector('button');
    button.disabled = true;
    replace(result, h('p', { class: 'muted' }, 'Running…'));
    try {
      const r = await api('POST', '/v1/simulations', { json: body });
      const svg = await api('POST', '/v1/simulations?format=svg', { json: body, raw: true });
      const img = h('img', { src: URL.createObjectURL(await svg.blob()), alt: 'Charts of the simulated contributions, costs and balances', class: 'sim-chart' });
      replace(result, h('section', { class: 'card' }, h('h2', {}, 'What it costs and what it buys'),
        table([
          { label: 'Scenario', value: (x) => x.name },
          { label: 'Hours worked', num: true, value: (x) => f.hours(x.hours) },
          { label: 'Paid in', num: true, value: (x) => f.money(x.contributions) },
          { label: 'Per hour worked', num: true, value: (x) => f.money(x.contributions_per_hour_rounded) },
          { label: 'Cost to hiring entities per hour', num: true, value: (x) => f.money(x.hiring_entity_cost_per_hour_rounded) },
          { label: 'Median worker balance', num: true, value: (x) => f.money(x.worker_balances.p50) },
        ], r.scenarios || []), img));
    } catch (err) {
      replace(result, errorBox(err));
    } finally { button.disabled = false; }
  });
  replace(main,
    h('h1', {}, 'Simulate a program'),
    h('p', { class: 'lead' }, 'Before enacting a rate: what it costs hiring entities per hour worked and what it buys workers, computed by the same engine that books contributions.'),
    h('section', { class: 'card' }, form), result);
}

// ---- Entities and keys ----
async function entities(main, { query, navigate }) {
  const r = await api('GET', '/v1/entities');
  const list = r.entities || [];
  const chosen = query.get('entity');
  const keysEl = h('div', { id: 'entity-keys' });
  replace(main,
    h('h1', {}, 'Hiring entities and their keys'),
    h('section', { class: 'card' }, table([
      { label: 'Entity', value: (e) => h('a', { href: `/regulator/entities?entity=${encodeURIComponent(e.id)}`, 'data-link': true }, e.name || e.id) },
      { label: 'Id', value: (e) => h('code', {}, e.id) },
      { label: 'Sector', value: (e) => e.sector || '—' },
      { label: 'Size', num: true, value: (e) => f.count(e.size || 0) },
    ], list.slice(0, 200), { empty: 'No hiring entity is registered.' })),
    chosen ? h('section', { class: 'card', 'aria-labelledby': 'k-h' }, h('h2', { id: 'k-h' }, `Keys of ${chosen}`), keysEl) : null);
  if (!chosen) return;
  const message = h('div', { 'aria-live': 'polite' });
  const showToken = (title, token) => alertBox('ok', title, h('p', {}, 'Copy it now: it is shown only this once.'),
    h('div', { class: 'row' }, h('code', {}, token), h('button', { type: 'button', class: 'secondary', onclick: () => copyText(token) }, 'Copy key')));
  const reload = () => section(keysEl, async () => {
    const keys = listOf(await api('GET', `/v1/entities/${encodeURIComponent(chosen)}/keys`), 'keys');
    const label = h('input', { maxlength: '200', id: 'key-label' });
    const issue = h('form', { class: 'row', onsubmit: async (e) => {
      e.preventDefault();
      try { const k = await api('POST', `/v1/entities/${encodeURIComponent(chosen)}/keys`, { json: label.value.trim() ? { label: label.value.trim() } : {} }); replace(message, showToken('New key issued.', k.token)); reload(); } catch (err) { replace(message, errorBox(err)); }
    } }, field('Label for a new key', label), h('button', { type: 'submit', style: 'align-self:flex-end' }, 'Issue key'));
    return h('div', {}, message, table([
      { label: 'Key id', value: (k) => h('code', {}, k.id) },
      { label: 'Label', value: (k) => k.label || '—' },
      { label: 'Created', value: (k) => f.when(k.created_at) },
      { label: 'Status', value: (k) => (k.revoked_at ? pill('Revoked', 'bad') : pill('In use', 'ok')) },
      { label: 'Actions', value: (k) => (k.revoked_at ? '' : h('span', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', onclick: async () => { try { const n = await api('POST', `/v1/keys/${encodeURIComponent(k.id)}/rotate`); replace(message, showToken(`Key ${k.id} replaced.`, n.token)); reload(); } catch (err) { replace(message, errorBox(err)); } } }, 'Rotate'),
        h('button', { type: 'button', class: 'danger', onclick: async () => { if (!confirm(`Revoke key ${k.id}? Systems using it stop working at once.`)) return; try { await api('DELETE', `/v1/keys/${encodeURIComponent(k.id)}`); replace(message, alertBox('ok', `Key ${k.id} revoked.`)); reload(); } catch (err) { replace(message, errorBox(err)); } } }, 'Revoke'))) },
    ], keys, { empty: 'This entity has no keys.' }), issue);
  });
  await reload();
}
