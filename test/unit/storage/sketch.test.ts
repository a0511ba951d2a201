/** The quantile sketch: accuracy on realistic distributions, merge, encode/decode. */
import { describe, expect, it } from 'vitest';
import { DDSketch, exactQuantile, nearestRank, SKETCH_RELATIVE_ACCURACY } from '../../../collector/src/storage/sketch.ts';
import { rng } from '../../integration/storage/store-helpers.ts';

const QS = [0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const DISTRIBUTIONS: Record<string, (r: () => number) => number> = {
  // LAN / national-link RTTs: log-normal around 12 ms with a long tail, ping's 3-decimal output.
  'log-normal RTT (ms)': (r) => Math.round(Math.exp(Math.log(12) + 0.6 * gaussian(r)) * 1000) / 1000,
  // Two routes or a congested period: 8 ms and 45 ms modes.
  bimodal: (r) => (r() < 0.7 ? 8 + 0.5 * gaussian(r) : 45 + 5 * gaussian(r)),
  // Loss ratio of 20-ping bursts: mostly 0, sometimes k/20.
  'loss ratio, many zeros': (r) => (r() < 0.93 ? 0 : Math.ceil(r() * 20) / 20),
  constant: () => 200,
  'clock skew (negative and positive ms)': (r) => Math.round(40 * gaussian(r)),
  'tiny and huge (bps)': (r) => (r() < 0.5 ? r() * 1e-3 : 1e9 * r()),
};

function relErr(got: number, want: number): number {
  return want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
}

describe('nearestRank', () => {
  it('is ceil(q·n), at least 1, robust to binary fractions', () => {
    expect(nearestRank(0, 10)).toBe(1);
    expect(nearestRank(0.5, 10)).toBe(5);
    expect(nearestRank(0.95, 100)).toBe(95);
    expect(nearestRank(0.95, 101)).toBe(96);
    expect(nearestRank(1, 7)).toBe(7);
    expect(exactQuantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(exactQuantile([], 0.5)).toBeNaN();
  });
});

describe('DDSketch accuracy', () => {
  for (const [name, gen] of Object.entries(DISTRIBUTIONS)) {
    it(`${name}: every quantile within ${SKETCH_RELATIVE_ACCURACY * 100}% of the exact nearest-rank value`, () => {
      const r = rng(42);
      const values = Array.from({ length: 20_000 }, () => gen(r));
      const sketch = DDSketch.of(values);
      const sorted = [...values].sort((a, b) => a - b);
      expect(sketch.count).toBe(values.length);
      for (const q of QS) {
        const want = exactQuantile(sorted, q);
        const got = sketch.quantile(q);
        expect(relErr(got, want), `q=${q} want ${want} got ${got}`).toBeLessThanOrEqual(SKETCH_RELATIVE_ACCURACY + 1e-12);
      }
      expect(sketch.quantile(0)).toBe(sorted[0]);
      expect(sketch.quantile(1)).toBe(sorted[sorted.length - 1]);
    });
  }

  it('answers NaN when empty or for q outside 0..1, and refuses non-finite values', () => {
    const s = new DDSketch();
    expect(s.quantile(0.5)).toBeNaN();
    s.add(1);
    expect(s.quantile(1.5)).toBeNaN();
    expect(() => s.add(Number.NaN)).toThrow(RangeError);
    expect(() => s.add(1, 0)).toThrow(RangeError);
  });

  it('weights: add(v, n) equals n single adds', () => {
    const a = new DDSketch();
    const b = new DDSketch();
    a.add(3.3, 5);
    a.add(0, 2);
    for (let i = 0; i < 5; i++) b.add(3.3);
    b.add(0);
    b.add(0);
    expect(a.encode()).toEqual(b.encode());
  });
});

describe('DDSketch merge and encoding', () => {
  it('merging parts gives exactly the sketch of the whole (so a merged month equals one sketch)', () => {
    const r = rng(7);
    const values = Array.from({ length: 5000 }, () => DISTRIBUTIONS['bimodal']!(r) - 20);
    const whole = DDSketch.of(values);
    const merged = new DDSketch();
    for (let i = 0; i < values.length; i += 60) merged.merge(DDSketch.decode(DDSketch.of(values.slice(i, i + 60)).encode()));
    expect(merged.encode()).toEqual(whole.encode());
    for (const q of QS) expect(merged.quantile(q)).toBe(whole.quantile(q));
  });

  it('merge order does not matter and merging an empty sketch changes nothing', () => {
    const a = DDSketch.of([5, 1, 9]);
    const b = DDSketch.of([-2, 0, 100]);
    const ab = DDSketch.of([]);
    ab.merge(a);
    ab.merge(b);
    const ba = DDSketch.of([]);
    ba.merge(b);
    ba.merge(a);
    ba.merge(new DDSketch());
    expect(ab.encode()).toEqual(ba.encode());
    expect(ab.count).toBe(6);
    expect([ab.min, ab.max]).toEqual([-2, 100]);
  });

  it('round-trips through encode/decode (eager and lazy) and stays compact', () => {
    const r = rng(3);
    const values = Array.from({ length: 60 }, () => DISTRIBUTIONS['log-normal RTT (ms)']!(r));
    const s = DDSketch.of(values);
    const bytes = s.encode();
    expect(bytes.length).toBeLessThan(200); // an hour of 1-minute RTTs
    const lazy = DDSketch.fromEncoded(bytes);
    expect(lazy.count).toBe(60);
    expect(lazy.encode()).toBe(bytes); // untouched lazy sketch re-encodes for free
    const eager = DDSketch.decode(bytes);
    for (const q of QS) expect(eager.quantile(q)).toBe(s.quantile(q));
    expect(DDSketch.decode(new DDSketch().encode()).count).toBe(0);
    expect(DDSketch.of([0, 0, -0]).encode().length).toBeLessThan(24);
  });

  it('rejects malformed encodings instead of answering nonsense', () => {
    const bytes = DDSketch.of([1, 2, 3]).encode();
    expect(() => DDSketch.decode(bytes.subarray(0, bytes.length - 1))).toThrow(/sketch/);
    expect(() => DDSketch.decode(Uint8Array.of(9, 0))).toThrow(/version/);
    const extra = new Uint8Array(bytes.length + 1);
    extra.set(bytes);
    expect(() => DDSketch.decode(extra)).toThrow(/malformed/);
  });
});
