// A benefit provider's pages: members, funds and reserve ratio; the queue of leave and
// withdrawal requests with the facts needed to decide, to approve or deny.
import { api, ApiError } from '../api.js';
import { session } from '../session.js';
import * as f from '../format.js';
import { h, replace, table, field, errorBox, notAvailable, alertBox, listOf, section } from '../ui.js';
import { statusPill } from './worker.js';

const prov = () => session().party;
const base = () => `/v1/providers/${encodeURIComponent(prov())}`;

export async function render(main, ctx) {
  return ctx.path === '/provider' ? overview(main) : queue(main);
}

async function overview(main) {
  const funds = h('div', { id: 'funds' });
  const members = h('div', { id: 'members' });
  replace(main,
    h('h1', {}, 'Members and funds'),
    h('p', { class: 'lead' }, 'The workers whose accounts you administer, the money you hold for them, and whether your reserves meet the requirement.'),
    h('section', { class: 'card', 'aria-labelledby': 'f-h' }, h('h2', { id: 'f-h' }, 'Funds and reserves'), funds),
    h('section', { class: 'card', 'aria-labelledby': 'm-h' }, h('h2', { id: 'm-h' }, 'Members'), members));
  await Promise.all([
    section(funds, async () => {
      let r;
      try { r = await api('GET', base()); } catch (e) {
        if (e instanceof ApiError && e.missingRoute) return notAvailable('Funds and reserves');
        throw e;
      }
      const res = r.reserves || r;
      return h('dl', { class: 'facts' },
        h('dt', {}, 'Provider'), h('dd', {}, r.name || prov()),
        h('dt', {}, 'Members'), h('dd', {}, res.members !== undefined ? f.count(res.members) : '—'),
        h('dt', {}, 'Members’ earned balances'), h('dd', {}, res.earned ? f.money(res.earned) : '—'),
        h('dt', {}, 'Funds held'), h('dd', {}, res.funded ? f.money(res.funded) : '—'),
        h('dt', {}, 'Reserve ratio'), h('dd', {}, `${res.ratio || res.reserve_ratio || '—'} (required ${res.required || res.required_reserve_ratio || '—'}) `,
          res.meets === false ? alertBox('error', 'Reserves are below the requirement.') : null));
    }),
    section(members, async () => {
      let list;
      try { list = listOf(await api('GET', `${base()}/members`), 'members'); } catch (e) {
        if (e instanceof ApiError && e.missingRoute) return notAvailable('The member list');
        throw e;
      }
      return table([
        { label: 'Account', value: (m) => h('code', {}, m.account) },
        { label: 'Plan', value: (m) => m.plan || '—' },
        { label: 'Since', value: (m) => f.date(m.since) },
        { label: 'Earned', num: true, value: (m) => (m.earned ? f.money(m.earned) : '—') },
      ], list.slice(0, 200), { empty: 'No members yet.' });
    }),
  ]);
}

async function queue(main) {
  const list = h('div', { id: 'queue' });
  const message = h('div', { 'aria-live': 'polite', id: 'decision-message' });
  replace(main,
    h('h1', {}, 'Requests to decide'),
    h('p', { class: 'lead' }, 'Leave pay and withdrawal requests from your members. Each shows what the member has earned, so you can decide.'),
    message,
    h('section', { class: 'card' }, list));
  const reload = () => section(list, async () => {
    let r;
    try { r = listOf(await api('GET', `${base()}/requests`), 'requests'); } catch (e) {
      if (e instanceof ApiError && e.missingRoute) return notAvailable('The request queue');
      throw e;
    }
    if (!r.length) return h('p', { class: 'muted' }, 'No requests are waiting.');
    return h('div', {}, r.map((x) => requestCard(x, message, reload)));
  });
  await reload();
}

function requestCard(x, message, reload) {
  const pending = !x.status || x.status === 'pending' || x.status === 'requested';
  const reason = h('input', { name: 'reason', maxlength: '200' });
  const decide = async (verb) => {
    if (verb === 'deny' && !reason.value.trim()) {
      reason.setAttribute('aria-invalid', 'true');
      replace(message, alertBox('error', 'Give the member a reason when you deny a request.'));
      return reason.focus();
    }
    try {
      await api('POST', `${base()}/requests/${encodeURIComponent(x.id)}/${verb}`, { json: reason.value.trim() ? { reason: reason.value.trim() } : {} });
      replace(message, alertBox('ok', verb === 'approve' ? `Request ${x.id} approved.` : `Request ${x.id} denied.`));
      reload();
    } catch (err) { replace(message, errorBox(err)); }
  };
  const facts = [
    ['Member', x.account || x.worker], ['Asked for', `${x.kind === 'claim' || x.kind === 'withdrawal' ? 'Cash withdrawal' : 'Leave pay'} · ${f.benefitName(x.benefit)}`],
    ['Amount', [x.hours ? f.hours(x.hours) : '', x.amount ? f.money(x.amount) : ''].filter(Boolean).join(' · ') || '—'],
    ['Sent', (x.asked ? f.date(x.asked) : f.when(x.created_at || x.date))], x.first_day ? ['First day off', f.date(x.first_day)] : null,
    x.balance ? ['Balance now', `${f.hours(x.balance.hours)} · ${f.money(x.balance.money)}`] : null,
    x.held_by_other_requests ? ['Held by other requests', `${f.hours(x.held_by_other_requests.hours)} · ${f.money(x.held_by_other_requests.money)}`] : null,
    x.average_hourly_earnings ? ['Average hourly earnings', f.money(x.average_hourly_earnings)] : null,
    x.basis ? ['How the amount was worked out', x.basis] : null,
    x.covered !== undefined ? ['Covered by the balance', x.covered ? 'Yes' : 'No'] : null,
  ].filter(Boolean);
  return h('article', { class: 'card', 'aria-label': `Request ${x.id}`, 'data-request': x.id },
    h('h2', {}, `Request ${x.id} `, statusPill(x.status || 'pending')),
    h('dl', { class: 'facts' }, facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    pending ? h('div', {}, field('Note to the member (needed to deny)', reason),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'approve', onclick: () => decide('approve') }, 'Approve'),
        h('button', { type: 'button', class: 'danger deny', onclick: () => decide('deny') }, 'Deny'))) : null);
}
