// The /v1 API: bearer token from the session, RFC 9457 problems turned into messages a
// person understands, and "this feature is not available yet" for routes that do not exist.
import { session, signOut } from './session.js';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || '';
    this.detail = problem.detail || '';
    this.errors = Array.isArray(problem.errors) ? problem.errors : [];
    this.problem = problem;
  }
  // The route itself does not exist on this server (a feature still to come), as opposed
  // to a missing resource under a route that exists.
  get missingRoute() {
    return (this.status === 404 && /^no such resource/.test(this.detail)) || this.status === 405 || this.status === 501;
  }
}

export async function api(method, path, { body, json, headers = {}, raw = false, auth = true, expire = true } = {}) {
  const h = { Accept: 'application/json, application/problem+json', ...headers };
  const s = session();
  if (auth && s && s.token) h.Authorization = `Bearer ${s.token}`;
  let payload = body;
  if (json !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(json);
  }
  let res;
  try {
    res = await fetch(path, { method, headers: h, body: payload, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { code: 'network', detail: 'Could not reach Accrue. Check your connection and try again.' });
  }
  if (res.ok) {
    if (raw) return res;
    if (res.status === 204) return null;
    const type = res.headers.get('content-type') || '';
    return type.includes('json') ? res.json() : res.text();
  }
  let problem = {};
  try { problem = await res.json(); } catch { problem = { detail: res.statusText }; }
  const err = new ApiError(res.status, problem);
  if (res.status === 401 && auth && expire && s && err.code === 'unauthenticated') {
    signOut({ expired: true });
  }
  throw err;
}

export const get = (path, opts) => api('GET', path, opts);
export const post = (path, opts) => api('POST', path, opts);

// What to tell a person for each error the API can return.
const MESSAGES = {
  network: 'Could not reach Accrue. Check your connection and try again.',
  unauthenticated: 'Your sign-in has ended or the key is not valid. Please sign in again.',
  sign_in_failed: 'That account number and password do not match. Check both and try again.',
  forbidden: 'You do not have access to this. It belongs to someone else, or your role cannot do it.',
  not_found: 'We could not find that.',
  method_not_allowed: 'This action is not available yet.',
  body_too_large: 'The file is too large to send in one go. Split it into smaller files.',
  batch_too_large: 'The file has too many rows for one upload (at most 10,000). Split it into smaller files.',
  rate_limited: 'Too many requests in a short time. Wait a few seconds and try again.',
  store_unavailable: 'Accrue cannot reach its database right now. Nothing was changed. Try again in a minute.',
  shutting_down: 'Accrue is restarting. Nothing was changed. Try again in a minute.',
  internal: 'Something went wrong on our side. Nothing was changed. Try again, and tell support if it keeps happening.',
  invalid: 'Some of what you entered is not valid.',
  report_refused: 'The report was refused, so nothing was recorded.',
  report_id_conflict: 'That report id was already used for a different report. Use a new id, or send a correction.',
  batch_refused: 'Some rows were refused, so nothing was recorded.',
  bad_csv: 'The file could not be read as a work-report CSV.',
  empty_batch: 'The file has no reports in it.',
  bad_query: 'The request had a value Accrue does not understand.',
  bad_header: 'The request had a header Accrue does not accept.',
  unsupported_media_type: 'The file type is not accepted here.',
  malformed_json: 'The request was not well-formed.',
  conflict: 'This conflicts with something already recorded.',
  precondition_failed: 'This cannot be done right now.',
  idempotency_key_reused: 'This upload was already sent with different content. Reload the page and try again.',
  policy_invalid: 'The policy pack has errors.',
};

export function messageFor(err) {
  if (!(err instanceof ApiError)) return { title: 'Something went wrong.', detail: String(err && err.message || err) };
  if (err.missingRoute) return { title: 'This feature is not available yet.', detail: 'This server does not offer it yet. Everything else keeps working.' };
  const title = MESSAGES[err.code] || `The request failed (${err.status}).`;
  return { title, detail: err.detail && err.detail !== title ? err.detail : '', errors: err.errors };
}
