/**
 * The series index's compact map (collector/src/storage/series-map.ts): exact identity → id,
 * whatever the order of the label pairs, never confusing two label sets (subsets, swapped
 * values, other practice/agent/metric), across growth, removal and compaction.
 */
import { describe, expect, it } from 'vitest';
import { identityHash, Interner, SeriesMap } from '../../../collector/src/storage/series-map.ts';
import { rng } from '../../helpers/rng.ts';

const strings = new Interner();
function pairsOf(labels: Record<string, string>, order: 'as-is' | 'reversed' = 'as-is'): [Int32Array, number] {
  const entries = Object.entries(labels);
  if (order === 'reversed') entries.reverse();
  const pairs = new Int32Array(2 * entries.length);
  entries.forEach(([k, v], i) => {
    pairs[2 * i] = strings.intern(k);
    pairs[2 * i + 1] = strings.intern(v);
  });
  return [pairs, entries.length];
}
const id3 = (p: string, a: string, m: string): [number, number, number] => [strings.intern(p), strings.intern(a), strings.intern(m)];

describe('SeriesMap', () => {
  it('finds a series by its label pairs in any order, and nothing for near misses', () => {
    const map = new SeriesMap();
    const [p, a, m] = id3('A81001', 'srv1', 'icmp_rtt_avg_ms');
    map.add(7, p, a, m, ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway', target: '10.0.0.1' }));
    map.add(8, p, a, m, ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway' }));
    expect(map.get(p, a, m, ...pairsOf({ target: '10.0.0.1', check: 'icmp:gw', role: 'lan-gateway' }))).toBe(7);
    expect(map.get(p, a, m, ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway', target: '10.0.0.1' }, 'reversed'))).toBe(7);
    expect(map.get(p, a, m, ...pairsOf({ role: 'lan-gateway', check: 'icmp:gw' }))).toBe(8);
    // subset, superset, swapped values, other metric / agent / practice
    expect(map.get(p, a, m, ...pairsOf({ check: 'icmp:gw' }))).toBeUndefined();
    expect(map.get(p, a, m, ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway', target: '10.0.0.1', x: 'y' }))).toBeUndefined();
    expect(map.get(p, a, m, ...pairsOf({ check: 'lan-gateway', role: 'icmp:gw' }))).toBeUndefined();
    expect(map.get(p, a, strings.intern('icmp_loss_ratio'), ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway' }))).toBeUndefined();
    expect(map.get(p, strings.intern('srv2'), m, ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway' }))).toBeUndefined();
    expect(map.get(strings.intern('A81002'), a, m, ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway' }))).toBeUndefined();
    expect(map.get(p, a, m, ...pairsOf({}))).toBeUndefined();
    map.add(9, p, a, m, ...pairsOf({}));
    expect(map.get(p, a, m, ...pairsOf({}))).toBe(9);
    expect(Array.from(map.record(8) ?? [])).toEqual([p, a, m, 2, ...pairsOf({ check: 'icmp:gw', role: 'lan-gateway' })[0]]);
  });

  it('keeps 20,000 random label sets apart through growth, removal and compaction', () => {
    const rand = rng(11);
    const map = new SeriesMap();
    const sets: { ids: [number, number, number]; labels: Record<string, string> }[] = [];
    const seen = new Set<string>();
    while (sets.length < 20_000) {
      const labels: Record<string, string> = {};
      const n = Math.floor(rand() * 6);
      for (let i = 0; i < n; i++) labels[`k${Math.floor(rand() * 8)}`] = `v${Math.floor(rand() * 4)}`;
      const ids = id3(`P${Math.floor(rand() * 20)}`, 'srv1', `m${Math.floor(rand() * 5)}`);
      const key = JSON.stringify([ids, Object.entries(labels).sort()]);
      if (seen.has(key)) continue;
      seen.add(key);
      sets.push({ ids, labels });
      map.add(sets.length, ...ids, ...pairsOf(labels));
    }
    expect(map.size).toBe(20_000);
    const all = (): (number | undefined)[] => sets.map((s) => map.get(...s.ids, ...pairsOf(s.labels, 'reversed')));
    expect(all()).toEqual(sets.map((_, i) => i + 1));
    // Remove three quarters (the pool is compacted on the way), add some back under new ids.
    for (let id = 1; id <= 20_000; id++) if (id % 4 !== 0) map.remove(id);
    expect(map.size).toBe(5_000);
    expect(all()).toEqual(sets.map((_, i) => ((i + 1) % 4 === 0 ? i + 1 : undefined)));
    for (let i = 0; i < 1000; i++)
      map.add(30_000 + i, ...(sets[i * 4] as (typeof sets)[number]).ids, ...pairsOf((sets[i * 4] as (typeof sets)[number]).labels));
    expect(map.get(...(sets[0] as (typeof sets)[number]).ids, ...pairsOf((sets[0] as (typeof sets)[number]).labels))).toBe(30_000);
    expect(map.get(...(sets[3] as (typeof sets)[number]).ids, ...pairsOf((sets[3] as (typeof sets)[number]).labels))).toBe(4);
  });

  it('hashes a label set the same whatever the order of its pairs', () => {
    const [p, a, m] = id3('A81001', 'srv1', 'http_phase_ms');
    const labels = { app: 'eps', check: 'http:eps', phase: 'tls', role: 'national-app', target: 'https://eps.invalid/' };
    const [x, n] = pairsOf(labels);
    const [y] = pairsOf(labels, 'reversed');
    expect(identityHash(p, a, m, x, n)).toBe(identityHash(p, a, m, y, n));
  });
});
