/** Number and time formatting shared by the renderers. `—` means no data. */
import type { ThresholdRef } from '../thresholds.ts';

export const NO_DATA = '—';

export function fmtPct(ratio: number | null, digits = 2): string {
  if (ratio === null || !Number.isFinite(ratio)) return NO_DATA;
  return `${(ratio * 100).toFixed(digits)} %`;
}

/** Up to `digits` decimals, trailing zeros dropped (1.50 → 1.5, 60.0 → 60). */
function trim(x: number, digits: number): string {
  return String(Number(x.toFixed(digits)));
}

export function fmtMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return NO_DATA;
  if (ms === 0) return '0 ms';
  if (ms >= 3_600_000) return `${trim(ms / 3_600_000, 1)} h`;
  if (ms >= 60_000) return `${trim(ms / 60_000, 1)} min`;
  if (ms >= 1000) return `${trim(ms / 1000, 2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${trim(ms, 1)} ms`;
  return `${trim(ms, 2)} ms`;
}

/** Durations as `2 h 05 min`. */
export function fmtDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h < 48) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function fmtBps(bps: number | null): string {
  if (bps === null || !Number.isFinite(bps)) return NO_DATA;
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} Gbit/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} Mbit/s`;
  if (bps >= 1e3) return `${(bps / 1e3).toFixed(0)} kbit/s`;
  return `${bps.toFixed(0)} bit/s`;
}

/**
 * en-GB formatters by decimals. `toLocaleString` builds a new Intl.NumberFormat on every call
 * (tens of µs; thousands of calls per report); these are immutable, so one per decimals serves all.
 */
const NUMBER_FORMATS = new Map<number, Intl.NumberFormat>();

export function fmtNumber(n: number | null, digits = 0): string {
  if (n === null || !Number.isFinite(n)) return NO_DATA;
  let f = NUMBER_FORMATS.get(digits);
  if (f === undefined) NUMBER_FORMATS.set(digits, (f = new Intl.NumberFormat('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits })));
  return f.format(n);
}

/** A threshold level in the rule's unit. */
export function fmtLevel(rule: ThresholdRef, value: number | null): string {
  if (value === null) return NO_DATA;
  switch (rule.unit) {
    case 'ratio':
      return `${trim(value * 100, 2)} %`;
    case 'ms':
      return fmtMs(value);
    case 'days':
      return `${value} days`;
    case 'years':
      return `${value} y`;
    default:
      return `${value} ${rule.unit}`;
  }
}

/** `warning 60 ms · critical 150 ms`. */
export function fmtRule(rule: ThresholdRef | null): string {
  if (rule === null) return 'no threshold in the profile';
  const parts: string[] = [];
  const word = rule.direction === 'above' ? '>' : '<';
  if (rule.warning !== null) parts.push(`warning ${word} ${fmtLevel(rule, rule.warning)}`);
  if (rule.critical !== null) parts.push(`critical ${word} ${fmtLevel(rule, rule.critical)}`);
  return parts.join(' · ');
}
