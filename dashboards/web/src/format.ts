/** Formatting for people: times in the browser's zone (en-GB), durations, numbers with units. */
const TIME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const TIME_S = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const FULL = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });

export function toMs(t: number | string | null | undefined): number | null {
  if (t === null || t === undefined) return null;
  if (typeof t === 'number') return t;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** 25 Nov, 14:03 */
export function fmtTime(t: number | string | null | undefined): string {
  const ms = toMs(t);
  return ms === null ? '—' : TIME.format(ms);
}

export function fmtClock(ms: number): string {
  return TIME_S.format(ms);
}

export function fmtFull(t: number | string | null | undefined): string {
  const ms = toMs(t);
  return ms === null ? '' : FULL.format(ms);
}

/** 45 s, 12 min, 3 h 5 min, 2 d 4 h */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
}

export function fmtAgo(t: number | string | null | undefined, now: number): string {
  const ms = toMs(t);
  if (ms === null) return 'never';
  const diff = now - ms;
  return diff < 5000 ? 'just now' : `${fmtDuration(diff)} ago`;
}

export function fmtNumber(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  const d = abs >= 100 ? 0 : abs >= 10 ? Math.min(digits, 1) : digits + 1;
  return v.toLocaleString('en-GB', { maximumFractionDigits: d, minimumFractionDigits: 0 });
}

/** A value with the unit its metric name carries (…_ms, …_ratio, …_bps). */
export function fmtWithUnit(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined) return '—';
  switch (unit) {
    case 'ms':
      return v >= 1000 ? `${fmtNumber(v / 1000, 2)} s` : `${fmtNumber(v)} ms`;
    case 'ratio':
    case '%':
      return `${fmtNumber(unit === 'ratio' ? v * 100 : v)} %`;
    case 'bps':
      return v >= 1e9
        ? `${fmtNumber(v / 1e9)} Gbit/s`
        : v >= 1e6
          ? `${fmtNumber(v / 1e6)} Mbit/s`
          : v >= 1e3
            ? `${fmtNumber(v / 1e3)} kbit/s`
            : `${fmtNumber(v)} bit/s`;
    case 'per_s':
      return `${fmtNumber(v, 2)}/s`;
    default:
      return `${fmtNumber(v)}${unit === '' ? '' : ` ${unit}`}`;
  }
}

/** Replace ISO 8601 instants in a server message with local times (25 Nov, 10:19). */
export function localiseTimes(text: string): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g, (iso) => fmtTime(iso));
}
