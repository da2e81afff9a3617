// Sign in: a worker with account number and password, or an organisation with its API key.
import { api, ApiError } from '../api.js';
import { saveSession, session, ROLE_HOME } from '../session.js';
import { h, field, alertBox, errorBox, replace } from '../ui.js';

const ORG_ROLES = [
  ['entity', 'Hiring entity (platform, business, household)', 'Your organisation id, for example rideco'],
  ['provider', 'Benefit provider', 'Your provider id, for example cascade-mutual'],
  ['admin', 'Regulator or program administrator', null],
];

async function checkKey(role, party) {
  if (role === 'entity') return api('GET', `/v1/entities/${encodeURIComponent(party)}/obligations`, { expire: false });
  if (role === 'admin') return api('GET', '/v1/policies', { expire: false });
  try {
    return await api('GET', `/v1/providers/${encodeURIComponent(party)}/requests`, { expire: false });
  } catch (e) {
    if (e instanceof ApiError && e.missingRoute) return null; // provider routes still to come
    throw e;
  }
}

export async function render(main, { query, navigate }) {
  const s = session();
  if (s) return navigate(ROLE_HOME[s.role], { replace: true });
  const next = query.get('next');
  const message = h('div', { id: 'signin-message' });
  if (query.get('expired')) replace(message, alertBox('warn', 'You have been signed out.', h('p', {}, 'Your sign-in ended. Sign in again to continue.')));

  const account = h('input', { name: 'account', autocomplete: 'username', inputmode: 'numeric', required: true, placeholder: '1234-5678-9012' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const workerForm = h('form', { id: 'worker-form', novalidate: true },
    field('Account number', account, 'The 12-digit number you give to every app or client you work for.'),
    field('Password', password),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')));

  const roleInputs = ORG_ROLES.map(([value, label], i) => {
    const input = h('input', { type: 'radio', name: 'role', value, id: `role-${value}`, checked: i === 0 });
    return h('label', { class: 'choice', for: input.id }, input, label);
  });
  const party = h('input', { name: 'party', autocomplete: 'organization', required: true });
  const partyField = field('Organisation id', party, ORG_ROLES[0][2]);
  const key = h('input', { name: 'key', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false' });
  const orgForm = h('form', { id: 'org-form', novalidate: true, hidden: true },
    h('fieldset', {}, h('legend', {}, 'I am signing in as'), roleInputs),
    partyField,
    field('API key', key, 'Paste the key your administrator gave you. It starts with acc_k_.'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Sign in')));
  orgForm.addEventListener('change', () => {
    const role = orgForm.role.value;
    const r = ORG_ROLES.find(([v]) => v === role);
    partyField.hidden = !r[2];
    party.required = !!r[2];
    partyField.querySelector('.hint').textContent = r[2] || '';
  });

  const tabWorker = h('button', { type: 'button', 'aria-pressed': 'true', id: 'tab-worker' }, 'I am a worker');
  const tabOrg = h('button', { type: 'button', 'aria-pressed': 'false', id: 'tab-org' }, 'I sign in for an organisation');
  const pick = (worker) => {
    tabWorker.setAttribute('aria-pressed', String(worker));
    tabOrg.setAttribute('aria-pressed', String(!worker));
    workerForm.hidden = !worker;
    orgForm.hidden = worker;
    replace(message);
    (worker ? account : orgForm.querySelector('input[name=role]:checked')).focus();
  };
  tabWorker.addEventListener('click', () => pick(true));
  tabOrg.addEventListener('click', () => pick(false));

  const fail = (el, text) => { replace(message, alertBox('error', text)); el.setAttribute('aria-invalid', 'true'); el.focus(); };

  workerForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    account.removeAttribute('aria-invalid');
    password.removeAttribute('aria-invalid');
    const digits = account.value.replace(/[\s-]/g, '');
    if (!/^\d{12}$/.test(digits)) return fail(account, 'Enter your 12-digit account number, like 1234-5678-9012.');
    if (!password.value) return fail(password, 'Enter your password.');
    const button = workerForm.querySelector('button');
    button.disabled = true;
    try {
      const r = await api('POST', '/v1/sessions', { json: { account: account.value.trim(), password: password.value }, auth: false });
      saveSession({ role: 'worker', token: r.token, account: r.account, expires_at: r.expires_at });
      try {
        const summary = await api('GET', `/v1/workers/${encodeURIComponent(r.account)}`);
        saveSession({ ...session(), name: summary.name });
      } catch { /* the name is only for the header */ }
      navigate(next && next.startsWith('/worker') ? next : '/worker', { replace: true });
    } catch (err) {
      replace(message, errorBox(err));
      button.disabled = false;
      password.focus();
    }
  });

  orgForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const role = orgForm.role.value;
    const id = party.value.trim();
    const token = key.value.trim();
    if (party.required && !id) return fail(party, 'Enter your organisation id.');
    if (!token) return fail(key, 'Paste your API key.');
    const button = orgForm.querySelector('button');
    button.disabled = true;
    saveSession({ role, token, party: role === 'admin' ? '' : id });
    try {
      await checkKey(role, id);
      navigate(next && next.startsWith(ROLE_HOME[role]) ? next : ROLE_HOME[role], { replace: true });
    } catch (err) {
      sessionStorage.clear();
      const m = err instanceof ApiError && err.status === 403
        ? alertBox('error', 'This key does not belong to that organisation or role.', h('p', {}, 'Check that you chose the right role and organisation id for this key.'))
        : err instanceof ApiError && err.status === 401
          ? alertBox('error', 'This API key is not valid.', h('p', {}, 'It may be mistyped, expired or revoked. Ask your administrator for a new one.'))
          : errorBox(err);
      replace(message, m);
      button.disabled = false;
      key.focus();
    }
  });

  replace(main, h('div', { class: 'signin' },
    h('h1', {}, 'Sign in to Accrue'),
    h('p', { class: 'lead' }, 'Your benefits belong to you, not to any one job. Sign in to see what you have earned.'),
    message,
    h('div', { class: 'tabs', role: 'group', 'aria-label': 'Who is signing in' }, tabWorker, tabOrg),
    h('div', { class: 'card' }, workerForm, orgForm)));
}
