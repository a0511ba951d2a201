/** Expected-status specs: `204`, `"200-299"`, `"2xx"` → inclusive ranges, and matching. */

export interface StatusRange {
  low: number;
  high: number;
}

/** undefined when the spec is not one of the three forms or a range runs backwards. */
export function parseStatusSpec(spec: number | string): StatusRange | undefined {
  if (typeof spec === 'number') return Number.isInteger(spec) && spec >= 100 && spec <= 599 ? { low: spec, high: spec } : undefined;
  const cls = /^([1-5])xx$/.exec(spec);
  if (cls !== null) {
    const base = Number(cls[1]) * 100;
    return { low: base, high: base + 99 };
  }
  const m = /^([1-5][0-9]{2})(?:-([1-5][0-9]{2}))?$/.exec(spec);
  if (m === null) return undefined;
  const low = Number(m[1]);
  const high = m[2] === undefined ? low : Number(m[2]);
  return low <= high ? { low, high } : undefined;
}

/** Ranges of a validated expectStatus list (invalid entries cannot reach here; they are skipped). */
export function statusRanges(specs: readonly (number | string)[]): StatusRange[] {
  const out: StatusRange[] = [];
  for (const s of specs) {
    const r = parseStatusSpec(s);
    if (r !== undefined) out.push(r);
  }
  return out;
}

export function statusMatches(status: number, ranges: readonly StatusRange[]): boolean {
  return ranges.some((r) => status >= r.low && status <= r.high);
}

export function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}
