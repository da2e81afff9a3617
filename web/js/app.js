// The portal's shell: client-side routes, the navigation for the signed-in role, and
// sign-out. Each page module renders into <main> and calls the /v1 API itself.
import { session, setSignOutHandler, signOut, ROLE_HOME, ROLE_NAME } from './session.js';
import { api } from './api.js';
import { h, replace, errorBox } from './ui.js';

const NAV = {
  worker: [['/worker', 'My account'], ['/worker/why', 'Why this much?'], ['/worker/coverage', 'Coverage'], ['/worker/requests', 'Leave & cash'], ['/worker/saving', 'Save more'], ['/worker/statements', 'Statements']],
  entity: [['/entity', 'Upload work'], ['/entity/reports', 'Reports'], ['/entity/billing', 'What we owe'], ['/entity/keys', 'API keys']],
  provider: [['/provider', 'Members & funds'], ['/provider/requests', 'Requests']],
  admin: [['/regulator', 'Contributions'], ['/regulator/compliance', 'Compliance'], ['/regulator/policies', 'Policies'], ['/regulator/simulate', 'Simulate'], ['/regulator/entities', 'Entities & keys']],
};

const ROUTES = [
  ['/signin', 'signin', null],
  ['/worker', 'worker', 'worker'], ['/worker/why', 'worker', 'worker'], ['/worker/coverage', 'worker', 'worker'],
  ['/worker/requests', 'worker', 'worker'], ['/worker/saving', 'worker', 'worker'], ['/worker/statements', 'worker', 'worker'],
  ['/entity', 'entity', 'entity'], ['/entity/reports', 'entity', 'entity'], ['/entity/billing', 'entity', 'entity'], ['/entity/keys', 'entity', 'entity'],
  ['/provider', 'provider', 'provider'], ['/provider/requests', 'provider', 'provider'],
  ['/regulator', 'regulator', 'admin'], ['/regulator/compliance', 'regulator', 'admin'], ['/regulator/policies', 'regulator', 'admin'], ['/regulator/simulate', 'regulator', 'admin'], ['/regulator/entities', 'regulator', 'admin'],
];

const main = () => document.getElementById('main');

function renderChrome(path) {
  const s = session();
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  const out = document.getElementById('signout');
  if (!s) {
    replace(nav);
    who.textContent = '';
    out.hidden = true;
    return;
  }
  who.textContent = s.role === 'worker' ? `${s.name || 'Worker'} · ${s.account}` : `${ROLE_NAME[s.role]}${s.party ? ` · ${s.party}` : ''}`;
  out.hidden = false;
  replace(nav, h('ul', {}, (NAV[s.role] || []).map(([href, label]) =>
    h('li', {}, h('a', { href, 'data-link': true, 'aria-current': href === path ? 'page' : undefined }, label)))));
}

export function navigate(to, { replace: rep = false } = {}) {
  if (rep) history.replaceState({}, '', to); else history.pushState({}, '', to);
  route();
}

let current = 0;
async function route() {
  const ticket = ++current;
  const url = new URL(location.href);
  let path = url.pathname.replace(/\/+$/, '') || '/';
  const s = session();
  if (path === '/') path = s ? ROLE_HOME[s.role] : '/signin';
  let match = ROUTES.find(([p]) => p === path);
  if (!match) {
    renderChrome(path);
    replace(main(), h('h1', {}, 'Page not found'), h('p', {}, 'There is no page at this address. ', h('a', { href: '/', 'data-link': true }, 'Go to your home page')), '.');
    document.title = 'Not found · Accrue';
    return;
  }
  if (match[2] && (!s || s.role !== match[2])) {
    if (!s) { history.replaceState({}, '', `/signin?next=${encodeURIComponent(path + url.search)}`); path = '/signin'; match = ROUTES[0]; }
    else { path = ROLE_HOME[s.role]; history.replaceState({}, '', path); match = ROUTES.find(([p]) => p === path); }
  }
  if (path !== url.pathname) history.replaceState({}, '', path + (path === '/signin' ? location.search : url.search));
  renderChrome(path);
  const el = main();
  replace(el, h('p', { class: 'loading' }, 'Loading…'));
  try {
    const mod = await import(`./pages/${match[1]}.js`);
    if (ticket !== current) return;
    await mod.render(el, { path, query: new URL(location.href).searchParams, navigate, isCurrent: () => ticket === current });
  } catch (err) {
    if (ticket === current) replace(el, h('h1', {}, 'Something went wrong'), errorBox(err));
  }
  if (ticket === current) {
    const h1 = el.querySelector('h1');
    document.title = `${h1 ? h1.textContent : 'Accrue'} · Accrue`;
    if (moved) el.focus({ preventScroll: false });
    moved = true;
  }
}
let moved = false;

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]');
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute('href'));
});
window.addEventListener('popstate', route);

setSignOutHandler(({ expired }) => navigate(expired ? '/signin?expired=1' : '/signin', { replace: true }));
document.getElementById('signout').addEventListener('click', async () => {
  const s = session();
  if (s && s.role === 'worker') { try { await api('DELETE', '/v1/sessions/current'); } catch { /* ends locally anyway */ } }
  signOut();
});

route();
