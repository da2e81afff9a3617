// Exact decimals and locale-aware display. Amounts arrive as decimal strings
// ("12.3456789012"); they are summed as BigInt fixed-point, never as binary floats.
const SCALE = 10;
const FACTOR = 10n ** BigInt(SCALE);

export function dec(text) {
  if (typeof text === 'bigint') return text;
  if (text === null || text === undefined || text === '') return 0n;
  const s = String(text).trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(s);
  if (!m) return 0n;
  const frac = (m[3] || '').padEnd(SCALE, '0').slice(0, SCALE);
  const v = BigInt(m[2] || '0') * FACTOR + BigInt(frac || '0');
  return m[1] === '-' ? -v : v;
}

export function decString(v, places = 2) {
  // Round half away from zero to `places`.
  const neg = v < 0n;
  let a = neg ? -v : v;
  const drop = 10n ** BigInt(SCALE - places);
  a = (a + drop / 2n) / drop;
  const unit = 10n ** BigInt(places);
  const whole = a / unit;
  const frac = (a % unit).toString().padStart(places, '0');
  const body = places > 0 ? `${whole}.${frac}` : `${whole}`;
  return (neg && a !== 0n ? '-' : '') + body;
}

export const sum = (values) => values.reduce((acc, x) => acc + dec(x), 0n);
export const toNumber = (v) => Number(decString(dec(v), 4));

const locale = () => navigator.language || 'en-US';
let moneyFormat;
export function money(value, currency = 'USD') {
  moneyFormat ||= new Intl.NumberFormat(locale(), { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // Intl formats a decimal string exactly; round it ourselves first.
  return moneyFormat.format(decString(dec(value), 2));
}

let hoursFormat;
export function hours(value) {
  hoursFormat ||= new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const h = decString(dec(value), 2);
  return `${hoursFormat.format(h)} ${h === '1.00' ? 'hour' : 'hours'}`;
}

export function count(n) { return new Intl.NumberFormat(locale()).format(n); }

export function percent(value) {
  const n = typeof value === 'number' ? value : toNumber(value);
  return new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(n);
}

// A civil date "2026-03-14" shown in the user's locale (no time-zone shift).
export function date(text) {
  if (!text) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return String(text);
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

export function month(key) {
  const m = /^(\d{4})-(\d{2})/.exec(key || '');
  if (!m) return key || '—';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, 1));
  return new Intl.DateTimeFormat(locale(), { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d);
}

export function shortMonth(key) {
  const m = /^(\d{4})-(\d{2})/.exec(key || '');
  if (!m) return key || '';
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, 1));
  return new Intl.DateTimeFormat(locale(), { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(d);
}

// Seconds since the epoch, or an ISO timestamp, in the user's locale and zone.
export function when(value) {
  if (value === null || value === undefined || value === '') return '—';
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// Plain-language names for benefits, payers and programs.
const BENEFITS = {
  health: 'Health coverage', retirement: 'Retirement savings', disability: 'Disability insurance',
  workers_comp: "Workers' compensation (injury at work)", unemployment: 'Unemployment insurance',
  paid_sick: 'Paid sick time', sick: 'Paid sick time', sick_leave: 'Paid sick time', vacation: 'Paid vacation',
  family_leave: 'Paid family leave', paid_family_leave: 'Paid family leave',
};
export function benefitName(id) {
  if (!id) return '—';
  return BENEFITS[id] || id.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}
const PAYERS = { hiring_entity: 'paid by the company', entity: 'paid by the company', worker: 'from your pay', government: 'public match' };
export function payerName(p) { return PAYERS[p] || (p ? p.replace(/_/g, ' ') : ''); }
export function humanize(id) { return id ? String(id).replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase()) : '—'; }

export function monthKey(dateText) { return (dateText || '').slice(0, 7); }
export function thisMonth() {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export function shortDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text || '');
  if (!m) return text || '';
  return new Intl.DateTimeFormat(locale(), { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
}
