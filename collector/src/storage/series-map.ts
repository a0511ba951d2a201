/**
 * The series index's memory layout: every series identity (practice, agent, metric, label pairs)
 * as small integers in typed arrays, with each distinct string held once (interned). A series
 * costs ~60–80 bytes here, where a key string per series in a Map plus a trie of Maps cost
 * ~1 KB (docs/performance.md, "Collector at 8,000 practices").
 *
 * Lookup is allocation-free: the sample's strings are looked up in the interner (a string never
 * interned means a series never seen), a hash of the identity that does not depend on label
 * order picks slots of an open-addressing table, and the candidate's record is compared pair by
 * pair — exact, so two different label sets can never share an id, whatever their hashes.
 */

/** Each distinct string once, by a small integer. */
export class Interner {
  private readonly ids = new Map<string, number>();
  readonly strings: string[] = [];

  find(s: string): number | undefined {
    return this.ids.get(s);
  }

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

const mix = (x: number): number => {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
};

/** Hash of an identity; the label part is a sum over pairs, so the order of the pairs does not matter. */
export function identityHash(practice: number, agent: number, metric: number, pairs: Int32Array, n: number): number {
  let h = mix(mix(mix(practice + 0x9e3779b1) + agent) + metric);
  for (let i = 0; i < n; i++) h = (h + mix(Math.imul(pairs[2 * i] as number, 0x9e3779b1) + (pairs[2 * i + 1] as number) + 0x7f4a7c15)) | 0;
  return h;
}

const EMPTY = 0;
const TOMBSTONE = -1;
/** Record layout in the pool: practice, agent, metric, number of pairs, then key, value per pair. */
const HEAD = 4;

export class SeriesMap {
  /** Records of all series, back to back. */
  private pool = new Int32Array(1 << 16);
  private poolUsed = 0;
  /** Pool ints no longer referenced (removed series); compacted when it is most of the pool. */
  private poolGarbage = 0;
  /** Record offset by series id, −1 when absent. */
  private offsetOf = new Int32Array(1024).fill(-1);
  private slotHash = new Int32Array(1024);
  private slotId = new Int32Array(1024);
  /** Slots that are not EMPTY (live and tombstones). */
  private slotsUsed = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** One past the largest id held (ids are the store's integer ids, ≥ 1). */
  get idBound(): number {
    return this.offsetOf.length;
  }

  has(id: number): boolean {
    return id > 0 && id < this.offsetOf.length && (this.offsetOf[id] as number) >= 0;
  }

  /** The id of an identity, or undefined. `pairs` holds n (key, value) string ids in any order. */
  get(practice: number, agent: number, metric: number, pairs: Int32Array, n: number): number | undefined {
    const h = identityHash(practice, agent, metric, pairs, n);
    const mask = this.slotId.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = this.slotId[s] as number;
      if (id === EMPTY) return undefined;
      if (id !== TOMBSTONE && this.slotHash[s] === h && this.matches(this.offsetOf[id] as number, practice, agent, metric, pairs, n)) return id;
    }
  }

  /** Adds a series (its id must not be held). */
  add(id: number, practice: number, agent: number, metric: number, pairs: Int32Array, n: number): void {
    if ((this.slotsUsed + 1) * 4 > this.slotId.length * 3) this.rehash(this.count * 2 + 1024);
    while (id >= this.offsetOf.length) {
      const next = new Int32Array(this.offsetOf.length * 2).fill(-1);
      next.set(this.offsetOf);
      this.offsetOf = next;
    }
    const off = this.append(practice, agent, metric, pairs, n);
    this.offsetOf[id] = off;
    this.place(identityHash(practice, agent, metric, pairs, n), id);
    this.count++;
  }

  remove(id: number): void {
    if (!this.has(id)) return;
    const off = this.offsetOf[id] as number;
    const n = this.pool[off + 3] as number;
    const h = identityHash(this.pool[off] as number, this.pool[off + 1] as number, this.pool[off + 2] as number, this.pool.subarray(off + HEAD), n);
    const mask = this.slotId.length - 1;
    for (let s = h & mask; this.slotId[s] !== EMPTY; s = (s + 1) & mask) {
      if (this.slotId[s] === id) {
        this.slotId[s] = TOMBSTONE;
        break;
      }
    }
    this.offsetOf[id] = -1;
    this.poolGarbage += HEAD + 2 * n;
    this.count--;
    if (this.poolGarbage * 2 > this.poolUsed && this.poolUsed > 1 << 16) this.compact();
  }

  /** The record of a series: [practice, agent, metric, n, k1, v1, …] as a view into the pool (valid until the next add). */
  record(id: number): Int32Array | undefined {
    if (!this.has(id)) return undefined;
    const off = this.offsetOf[id] as number;
    return this.pool.subarray(off, off + HEAD + 2 * (this.pool[off + 3] as number));
  }

  private matches(off: number, practice: number, agent: number, metric: number, pairs: Int32Array, n: number): boolean {
    const pool = this.pool;
    if (pool[off] !== practice || pool[off + 1] !== agent || pool[off + 2] !== metric || pool[off + 3] !== n) return false;
    const base = off + HEAD;
    // Every pair of the sample is in the record (same position first: the usual case), and both
    // have n pairs with distinct keys: the sets are equal.
    for (let i = 0; i < n; i++) {
      const k = pairs[2 * i] as number;
      const v = pairs[2 * i + 1] as number;
      if (pool[base + 2 * i] === k) {
        if (pool[base + 2 * i + 1] !== v) return false;
        continue;
      }
      let found = false;
      for (let j = 0; j < n; j++) {
        if (pool[base + 2 * j] !== k) continue;
        if (pool[base + 2 * j + 1] !== v) return false;
        found = true;
        break;
      }
      if (!found) return false;
    }
    return true;
  }

  private append(practice: number, agent: number, metric: number, pairs: Int32Array, n: number): number {
    const need = HEAD + 2 * n;
    if (this.poolUsed + need > this.pool.length) {
      const next = new Int32Array(Math.max(this.pool.length * 2, this.poolUsed + need));
      next.set(this.pool.subarray(0, this.poolUsed));
      this.pool = next;
    }
    const off = this.poolUsed;
    this.pool[off] = practice;
    this.pool[off + 1] = agent;
    this.pool[off + 2] = metric;
    this.pool[off + 3] = n;
    this.pool.set(pairs.subarray(0, 2 * n), off + HEAD);
    this.poolUsed += need;
    return off;
  }

  private place(h: number, id: number): void {
    const mask = this.slotId.length - 1;
    let s = h & mask;
    while (this.slotId[s] !== EMPTY && this.slotId[s] !== TOMBSTONE) s = (s + 1) & mask;
    if (this.slotId[s] === EMPTY) this.slotsUsed++;
    this.slotId[s] = id;
    this.slotHash[s] = h;
  }

  private rehash(atLeast: number): void {
    const oldIds = this.slotId;
    const oldHashes = this.slotHash;
    let cap = 1024;
    while (cap * 3 < atLeast * 4) cap *= 2;
    this.slotId = new Int32Array(cap);
    this.slotHash = new Int32Array(cap);
    this.slotsUsed = 0;
    for (let s = 0; s < oldIds.length; s++) {
      const id = oldIds[s] as number;
      if (id !== EMPTY && id !== TOMBSTONE) this.place(oldHashes[s] as number, id);
    }
  }

  private compact(): void {
    const old = this.pool;
    this.pool = new Int32Array(Math.max(1 << 16, this.poolUsed - this.poolGarbage));
    this.poolUsed = 0;
    for (let id = 1; id < this.offsetOf.length; id++) {
      const off = this.offsetOf[id] as number;
      if (off < 0) continue;
      const n = old[off + 3] as number;
      this.offsetOf[id] = this.append(old[off] as number, old[off + 1] as number, old[off + 2] as number, old.subarray(off + HEAD), n);
    }
    this.poolGarbage = 0;
  }
}
