// The signed-in party, kept in sessionStorage (gone when the tab closes), never localStorage.
const KEY = 'accrue.session';

export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}

export function saveSession(s) { sessionStorage.setItem(KEY, JSON.stringify(s)); }

let onSignOut = () => {};
export function setSignOutHandler(fn) { onSignOut = fn; }

export function signOut({ expired = false } = {}) {
  sessionStorage.removeItem(KEY);
  onSignOut({ expired });
}

export const ROLE_HOME = { worker: '/worker', entity: '/entity', provider: '/provider', admin: '/regulator' };
export const ROLE_NAME = { worker: 'Worker', entity: 'Hiring entity', provider: 'Benefit provider', admin: 'Regulator / program administrator' };
