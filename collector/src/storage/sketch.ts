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

function bucketValue(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

/** Above this many non-empty buckets a store switches from sparse pairs to a dense array. */
const SPARSE_MAX = 64;

/**
 * Counts per bucket index. Small stores (a minute's or an hour's samples) keep sorted
 * (index, count) pairs, so a handful of far-apart values costs a handful of entries; large ones
 * (a merged month) switch to a dense array over the index range, which merges fastest.
 */
class BucketStore {
  private idx: number[] = [];
  private cnt: number[] = [];
  private dense: number[] | undefined;
  private offset = 0;
  total = 0;

  add(index: number, n: number): void {
    this.total += n;
    if (this.dense !== undefined) {
      this.addDense(index, n);
      return;
    }
    const idx = this.idx;
    // Binary search for the insertion point (values usually arrive near the end).
    let lo = 0;
    let hi = idx.length;
    if (hi > 0 && (idx[hi - 1] as number) < index) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((idx[mid] as number) < index) lo = mid + 1;
      else hi = mid;
    }
    if (lo < idx.length && idx[lo] === index) {
      (this.cnt[lo] as number) += n;
      return;
    }
    idx.splice(lo, 0, index);
    this.cnt.splice(lo, 0, n);
    if (idx.length > SPARSE_MAX) this.toDense();
  }

  private toDense(): void {
    const idx = this.idx;
    const first = idx[0] as number;
    const dense = new Array<number>((idx[idx.length - 1] as number) - first + 1).fill(0);
    for (let i = 0; i < idx.length; i++) dense[(idx[i] as number) - first] = this.cnt[i] as number;
    this.dense = dense;
    this.offset = first;
    this.idx = [];
    this.cnt = [];
  }

  private addDense(index: number, n: number): void {
    let dense = this.dense as number[];
    if (index < this.offset) {
      // Grow downwards with slack so a descending run of values stays linear overall.
      const grow = Math.max(this.offset - index, dense.length >> 1);
      dense = new Array<number>(grow).fill(0).concat(dense);
      this.dense = dense;
      this.offset -= grow;
    }
    const i = index - this.offset;
    while (dense.length <= i) dense.push(0);
    (dense[i] as number) += n;
  }

  /** Number of non-empty buckets. */
  buckets(): number {
    if (this.dense === undefined) return this.idx.length;
    let k = 0;
    for (const c of this.dense) if (c > 0) k++;
    return k;
  }

  /** Non-empty buckets in ascending index order. */
  forEach(fn: (index: number, count: number) => void): void {
    const dense = this.dense;
    if (dense === undefined) {
      for (let i = 0; i < this.idx.length; i++) fn(this.idx[i] as number, this.cnt[i] as number);
      return;
    }
    for (let i = 0; i < dense.length; i++) {
      const c = dense[i] as number;
      if (c > 0) fn(this.offset + i, c);
    }
  }

  /** Index of the bucket holding the rank-th value (1-based) in ascending index order. */
  indexAtRank(rank: number): number {
    let left = rank;
    const dense = this.dense;
    if (dense === undefined) {
      for (let i = 0; i < this.idx.length; i++) {
        left -= this.cnt[i] as number;
        if (left <= 0) return this.idx[i] as number;
      }
    } else {
      for (let i = 0; i < dense.length; i++) {
        left -= dense[i] as number;
        if (left <= 0) return this.offset + i;
      }
    }
    throw new Error('sketch: rank beyond count'); // a bug: callers check rank ≤ total
  }

  mergeFrom(other: BucketStore): void {
    other.forEach((index, count) => this.add(index, count));
  }
}

/** An empty store to read from when a sketch has none (never written to). */
const EMPTY = new BucketStore();

export class DDSketch implements QuantileSketch {
  // Stores are created on first use: a lazily decoded rollup row costs one small object.
  private posStore: BucketStore | undefined;
  private negStore: BucketStore | undefined;
  private zero = 0;
  private lo = Number.POSITIVE_INFINITY;
  private hi = Number.NEGATIVE_INFINITY;
  /** Not yet materialised (lazy): encoded bytes[pendingStart, pendingEnd), or `count` × one value. */
  private pending: Uint8Array | { value: number } | undefined;
  private pendingStart = 0;
  private pendingEnd = 0;
  private pendingCount = 0;

  /**
   * A sketch over encoded bytes (or the slice [start, end) of them) that decodes on first use;
   * only the count is read now. Reading many rollup rows this way allocates one object each.
   */
  static fromEncoded(bytes: Uint8Array, start = 0, end = bytes.length): DDSketch {
    if (bytes[start] !== FORMAT_VERSION) throw new Error(`sketch: unknown format version ${String(bytes[start])}`);
    const s = new DDSketch();
    s.pending = bytes;
    s.pendingStart = start;
    s.pendingEnd = end;
    s.pendingCount = new Reader(bytes, start + 1, end).varint();
    return s;
  }

  /** Decodes at once; throws on malformed input. */
  static decode(bytes: Uint8Array): DDSketch {
    const s = DDSketch.fromEncoded(bytes);
    s.materialise();
    return s;
  }

  /** `count` copies of `value`, built only when needed (rollup rows whose min equals max). */
  static constant(value: number, count: number): DDSketch {
    if (!Number.isFinite(value) || !Number.isInteger(count) || count <= 0) throw new RangeError(`sketch: bad constant ${value} × ${count}`);
    const s = new DDSketch();
    s.pending = { value };
    s.pendingCount = count;
    return s;
  }

  static of(values: Iterable<number>): DDSketch {
    const s = new DDSketch();
    for (const v of values) s.add(v);
    return s;
  }

  get count(): number {
    if (this.pending !== undefined) return this.pendingCount;
    return (this.posStore?.total ?? 0) + (this.negStore?.total ?? 0) + this.zero;
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
    if (this.pending !== undefined) this.materialise();
    if (value > SKETCH_MIN_INDEXABLE) (this.posStore ??= new BucketStore()).add(indexOf(value), count);
    else if (value < -SKETCH_MIN_INDEXABLE) (this.negStore ??= new BucketStore()).add(indexOf(-value), count);
    else this.zero += count;
    if (value < this.lo) this.lo = value;
    if (value > this.hi) this.hi = value;
  }

  merge(other: QuantileSketch): void {
    const o = other instanceof DDSketch ? other : DDSketch.decode(other.encode());
    if (o.count === 0) return;
    const p = o.pending;
    if (p instanceof Uint8Array) {
      this.mergeEncoded(p, o.pendingStart, o.pendingEnd); // straight from the bytes: no need to build the other's stores
      return;
    }
    if (p !== undefined) {
      this.add(p.value, o.pendingCount);
      return;
    }
    this.materialise();
    if (o.posStore !== undefined) (this.posStore ??= new BucketStore()).mergeFrom(o.posStore);
    if (o.negStore !== undefined) (this.negStore ??= new BucketStore()).mergeFrom(o.negStore);
    this.zero += o.zero;
    if (o.lo < this.lo) this.lo = o.lo;
    if (o.hi > this.hi) this.hi = o.hi;
  }

  /** Adds the samples of an encoded sketch (as merge(decode(bytes)), without the intermediate). */
  mergeEncoded(bytes: Uint8Array, start = 0, end = bytes.length): void {
    if (bytes[start] !== FORMAT_VERSION) throw new Error(`sketch: unknown format version ${String(bytes[start])}`);
    this.materialise();
    const before = this.count;
    const r = new Reader(bytes, start + 1, end);
    const n = r.varint();
    if (n === 0) return;
    const lo = r.float64();
    const hi = r.float64();
    this.zero += r.varint();
    readStore(r, (this.posStore ??= new BucketStore()));
    readStore(r, (this.negStore ??= new BucketStore()));
    if (!r.done() || this.count !== before + n || !(lo <= hi)) throw new Error('sketch: malformed encoding');
    if (lo < this.lo) this.lo = lo;
    if (hi > this.hi) this.hi = hi;
  }

  quantile(q: number): number {
    const n = this.count;
    if (n === 0 || !(q >= 0 && q <= 1)) return Number.NaN;
    this.materialise();
    let rank = nearestRank(q, n);
    if (rank === 1) return this.lo; // the extremes are kept exactly
    if (rank === n) return this.hi;
    const clamp = (v: number): number => Math.min(this.hi, Math.max(this.lo, v));
    // Ascending values: negatives (largest |v| first, i.e. descending index), zeros, positives.
    const neg = this.negStore ?? EMPTY;
    if (rank <= neg.total) return clamp(-bucketValue(neg.indexAtRank(neg.total - rank + 1)));
    rank -= neg.total;
    if (rank <= this.zero) return clamp(0);
    return clamp(bucketValue((this.posStore ?? EMPTY).indexAtRank(rank - this.zero)));
  }

  /**
   * Layout: version byte; varint count; if count > 0 the exact min and max (float64 LE); varint
   * zero count; positive store; negative store. A store is: varint number of non-empty buckets,
   * then the first index (zigzag varint) and its count, then for each further bucket the gap to
   * the previous index and its count (varints).
   */
  encode(): Uint8Array {
    if (this.pending instanceof Uint8Array) {
      const { pending: p, pendingStart: a, pendingEnd: b } = this;
      // A copy when the bytes are a slice of a bigger row: a view would keep (and, posted to a
      // worker, clone) the whole row's buffer.
      return a === 0 && b === p.length ? p : p.slice(a, b);
    }
    this.materialise();
    const pos = this.posStore ?? EMPTY;
    const neg = this.negStore ?? EMPTY;
    const n = this.count;
    const size = 1 + varintLen(n) + (n > 0 ? 16 : 0) + varintLen(this.zero) + storeLen(pos) + storeLen(neg);
    const w = new Writer(size);
    w.byte(FORMAT_VERSION);
    w.varint(n);
    if (n > 0) {
      w.float64(this.lo);
      w.float64(this.hi);
    }
    w.varint(this.zero);
    writeStore(w, pos);
    writeStore(w, neg);
    return w.finish();
  }

  private materialise(): void {
    const p = this.pending;
    if (p === undefined) return;
    this.pending = undefined;
    if (!(p instanceof Uint8Array)) {
      this.add(p.value, this.pendingCount);
      return;
    }
    this.mergeEncoded(p, this.pendingStart, this.pendingEnd);
  }
}

function varintLen(n: number): number {
  let len = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  return len;
}

function zigzag(i: number): number {
  return i >= 0 ? i * 2 : -i * 2 - 1;
}

function storeLen(store: BucketStore): number {
  let k = 0;
  let len = 0;
  let prev: number | undefined;
  store.forEach((index, count) => {
    len += varintLen(prev === undefined ? zigzag(index) : index - prev) + varintLen(count);
    prev = index;
    k++;
  });
  return len + varintLen(k);
}

function writeStore(w: Writer, store: BucketStore): void {
  w.varint(store.buckets());
  let prev: number | undefined;
  store.forEach((index, count) => {
    w.varint(prev === undefined ? zigzag(index) : index - prev);
    w.varint(count);
    prev = index;
  });
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

/** Writes into a buffer of exactly the size computed beforehand. */
class Writer {
  private readonly buf: Uint8Array;
  private readonly view: DataView;
  private len = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  byte(b: number): void {
    this.buf[this.len++] = b;
  }

  /** Unsigned LEB128 for integers up to 2^53 (arithmetic, not 32-bit bit operations). */
  varint(n: number): void {
    let v = n;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
  }

  float64(x: number): void {
    this.view.setFloat64(this.len, x, true);
    this.len += 8;
  }

  finish(): Uint8Array {
    if (this.len !== this.buf.length) throw new Error(`sketch: encoded ${this.len} bytes, expected ${this.buf.length}`);
    return this.buf;
  }
}

/** Reads varints and floats from bytes[start, end). */
class Reader {
  private pos: number;
  private view: DataView | undefined;

  constructor(
    private readonly buf: Uint8Array,
    start: number,
    private readonly end: number = buf.length,
  ) {
    this.pos = start;
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new Error('sketch: truncated encoding');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
    }
    throw new Error('sketch: varint too long');
  }

  float64(): number {
    if (this.pos + 8 > this.end) throw new Error('sketch: truncated encoding');
    this.view ??= new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  done(): boolean {
    return this.pos === this.end;
  }
}
