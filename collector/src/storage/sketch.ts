/**
 * A mergeable quantile sketch in the style of DDSketch (Masson, Rim, Lee, VLDB 2019): values are
 * counted in logarithmically spaced buckets, so every quantile it answers is within a fixed
 * *relative* error of a real sample value, and two sketches merge exactly by adding bucket counts.
 *
 * - Relative accuracy α = 0.5 %: bucket i holds values in (γ^(i-1), γ^i] with γ = (1+α)/(1-α) and
 *   answers 2γ^i/(γ+1), which is within α of every value in the bucket.
 * - Negative values live in a mirror store (by |v|); values with |v| < SKETCH_MIN_INDEXABLE count as
 *   zero (their absolute error is below 1e-9).
 * - The exact min and max are kept: rank 1 and rank n answer them, and every other answer is
 *   clamped to them (a constant series is exact).
 * - Quantiles use the nearest-rank definition (see nearestRank) — the same the reports use.
 * - encode()/decode() is a compact versioned binary form (varints); fromEncoded() decodes lazily,
 *   so reading thousands of rollup rows costs nothing until a quantile or merge is asked for.
 */
import type { QuantileSketch } from './types.ts';

export const SKETCH_RELATIVE_ACCURACY = 0.005;
/** |v| below this is counted in the zero bucket. */
export const SKETCH_MIN_INDEXABLE = 1e-9;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const FORMAT_VERSION = 1;

/** 1-based rank of quantile q among n sorted values (nearest-rank: ceil(q·n), at least 1). */
export function nearestRank(q: number, n: number): number {
  // The tiny slack keeps 0.95 × 100 at rank 95 despite binary floating point.
  return Math.min(n, Math.max(1, Math.ceil(q * n - 1e-9)));
}

/** Exact nearest-rank quantile of already sorted values (for tests and exact reports). */
export function exactQuantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[nearestRank(q, sorted.length) - 1] as number;
}

function indexOf(abs: number): number {
  return Math.ceil(Math.log(abs) / LOG_GAMMA);
}

function valueOf(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

/** Dense counts for a contiguous range of bucket indices, growing in either direction. */
class BucketStore {
  counts: number[] = [];
  offset = 0;
  total = 0;

  add(index: number, n: number): void {
    const counts = this.counts;
    if (counts.length === 0) {
      this.offset = index;
      counts.push(n);
    } else if (index < this.offset) {
      // Grow downwards with slack so a descending run of values stays linear overall.
      const grow = Math.max(this.offset - index, counts.length >> 1);
      const head = new Array<number>(grow).fill(0);
      this.counts = head.concat(counts);
      this.offset -= grow;
      (this.counts[index - this.offset] as number) += n;
    } else {
      const i = index - this.offset;
      while (counts.length <= i) counts.push(0);
      (counts[i] as number) += n;
    }
    this.total += n;
  }

  mergeFrom(other: BucketStore): void {
    const oc = other.counts;
    for (let i = 0; i < oc.length; i++) {
      const c = oc[i] as number;
      if (c > 0) this.add(other.offset + i, c);
    }
  }
}

export class DDSketch implements QuantileSketch {
  private pos = new BucketStore();
  private neg = new BucketStore();
  private zero = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  /** Encoded form not yet decoded (lazy); undefined once materialised. */
  private pending: Uint8Array | undefined;
  private pendingCount = 0;

  /** A sketch over encoded bytes that decodes on first use (count is read from the header). */
  static fromEncoded(bytes: Uint8Array): DDSketch {
    const s = new DDSketch();
    if (bytes[0] !== FORMAT_VERSION) throw new Error(`sketch: unknown format version ${String(bytes[0])}`);
    s.pending = bytes;
    s.pendingCount = new Reader(bytes, 1).varint();
    return s;
  }

  /** Decodes at once; throws on malformed input. */
  static decode(bytes: Uint8Array): DDSketch {
    const s = DDSketch.fromEncoded(bytes);
    s.materialise();
    return s;
  }

  static of(values: Iterable<number>): DDSketch {
    const s = new DDSketch();
    for (const v of values) s.add(v);
    return s;
  }

  get count(): number {
    return this.pending !== undefined ? this.pendingCount : this.pos.total + this.neg.total + this.zero;
  }

  get min(): number {
    this.materialise();
    return this.lo;
  }

  get max(): number {
    this.materialise();
    return this.hi;
  }

  add(value: number, count = 1): void {
    if (!Number.isFinite(value)) throw new RangeError(`sketch: value must be finite (got ${value})`);
    if (!Number.isInteger(count) || count <= 0) throw new RangeError(`sketch: count must be a positive integer (got ${count})`);
    this.materialise();
    if (value > SKETCH_MIN_INDEXABLE) this.pos.add(indexOf(value), count);
    else if (value < -SKETCH_MIN_INDEXABLE) this.neg.add(indexOf(-value), count);
    else this.zero += count;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  merge(other: QuantileSketch): void {
    const o = other instanceof DDSketch ? other : DDSketch.decode(other.encode());
    if (o.count === 0) return;
    this.materialise();
    o.materialise();
    this.pos.mergeFrom(o.pos);
    this.neg.mergeFrom(o.neg);
    this.zero += o.zero;
    if (o.lo < this.lo) this.lo = o.lo;
    if (o.hi > this.hi) this.hi = o.hi;
  }

  quantile(q: number): number {
    const n = this.count;
    if (n === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    this.materialise();
    let rank = nearestRank(q, n);
    if (rank === 1) return this.lo; // the extremes are kept exactly
    if (rank === n) return this.hi;
    const clamp = (v: number): number => Math.min(this.hi, Math.max(this.lo, v));
    // Ascending order: negatives from the largest |v| down, then zeros, then positives.
    const nc = this.neg.counts;
    for (let i = nc.length - 1; i >= 0; i--) {
      rank -= nc[i] as number;
      if (rank <= 0) return clamp(-valueOf(this.neg.offset + i));
    }
    rank -= this.zero;
    if (rank <= 0) return clamp(0);
    const pc = this.pos.counts;
    for (let i = 0; i < pc.length; i++) {
      rank -= pc[i] as number;
      if (rank <= 0) return clamp(valueOf(this.pos.offset + i));
    }
    return this.hi; // unreachable when counts are consistent
  }

  encode(): Uint8Array {
    if (this.pending !== undefined) return this.pending;
    const w = new Writer();
    w.byte(FORMAT_VERSION);
    const n = this.count;
    w.varint(n);
    if (n > 0) {
      w.float64(this.lo);
      w.float64(this.hi);
    }
    w.varint(this.zero);
    writeStore(w, this.pos);
    writeStore(w, this.neg);
    return w.finish();
  }

  private materialise(): void {
    const bytes = this.pending;
    if (bytes === undefined) return;
    this.pending = undefined;
    const r = new Reader(bytes, 1);
    const n = r.varint();
    if (n > 0) {
      this.lo = r.float64();
      this.hi = r.float64();
    }
    this.zero = r.varint();
    readStore(r, this.pos);
    readStore(r, this.neg);
    if (!r.done() || this.count !== n || (n > 0 && !(this.lo <= this.hi))) throw new Error('sketch: malformed encoding');
  }
}

// Store layout: number of non-empty buckets, then the first index (zigzag) and its count, then
// for each further bucket the gap to the previous index and its count.
function writeStore(w: Writer, store: BucketStore): void {
  const c = store.counts;
  let k = 0;
  for (const x of c) if (x > 0) k++;
  w.varint(k);
  let prev: number | undefined;
  for (let i = 0; i < c.length; i++) {
    const x = c[i] as number;
    if (x === 0) continue;
    const index = store.offset + i;
    if (prev === undefined) w.varint(index >= 0 ? index * 2 : -index * 2 - 1);
    else w.varint(index - prev);
    w.varint(x);
    prev = index;
  }
}

function readStore(r: Reader, store: BucketStore): void {
  const k = r.varint();
  let index = 0;
  for (let j = 0; j < k; j++) {
    if (j === 0) {
      const z = r.varint();
      index = z % 2 === 0 ? z / 2 : -(z + 1) / 2;
    } else {
      const gap = r.varint();
      if (gap < 1) throw new Error('sketch: malformed encoding');
      index += gap;
    }
    const count = r.varint();
    if (count < 1) throw new Error('sketch: malformed encoding');
    store.add(index, count);
  }
}

class Writer {
  private buf = new Uint8Array(64);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + extra));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  /** Unsigned LEB128 for integers up to 2^53 (arithmetic, not 32-bit bit operations). */
  varint(n: number): void {
    this.ensure(8);
    let v = n;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  float64(x: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset).setFloat64(this.len, x, true);
    this.len += 8;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

class Reader {
  private pos: number;
  constructor(
    private readonly buf: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('sketch: truncated encoding');
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new Error('sketch: varint too long');
  }

  float64(): number {
    if (this.pos + 8 > this.buf.length) throw new Error('sketch: truncated encoding');
    const x = new DataView(this.buf.buffer, this.buf.byteOffset).getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  done(): boolean {
    return this.pos === this.buf.length;
  }
}
