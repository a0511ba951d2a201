// Issue 11 point 3: one stolen agent token floods a real collector (`n3mon collector`, the built
// CLI, on 127.0.0.1) with 240,000 new series — 12 batches × 20,000 — while another practice's agent
// and the same practice's own agent keep delivering. With the documented default limits the flood
// stores 5,000 series (ingest.maxSeriesPerAgent) and every other sample of a new series is refused
// alone (rule series_limit); the others' samples are all stored; /metrics counts the refusals; the
// limit holds after a restart (the index is reloaded from the store); the collector's RSS is read
// from /proc and printed.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli, stopCli } from '../../helpers/cli.ts';
import { parsePrometheusText } from '../../helpers/prom-text.ts';
import { DEFAULT_INGEST_LIMITS } from '../../../collector/src/ingest/limits-config.ts';
import type { IngestResponse, WireSample } from '../../../shared/src/wire.ts';

const PER_AGENT = DEFAULT_INGEST_LIMITS.maxSeriesPerAgent;
const PER_PRACTICE = DEFAULT_INGEST_LIMITS.maxSeriesPerPractice;
const FLOOD_BATCHES = 12;
const FLOOD_SIZE = 20_000;
/** Series of the well-behaved agents: a small practice's worth each. */
const KNOWN_SERIES = 40;

let dir: string;
let config: string;
let child: ChildProcess | undefined;
let url: string;
const tokens: Record<'flood' | 'flood2' | 'main' | 'other', string> = { flood: '', flood2: '', main: '', other: '' };
const T0 = Date.now() - 3_600_000;

async function start(): Promise<void> {
  const started = await startCli(['collector', '--config', config], /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*"msg":"collector listening"/, {
    timeoutMs: 120_000,
  });
  child = started.child;
  url = started.match[1] as string;
}

function rssBytes(): number {
  const status = readFileSync(`/proc/${child?.pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (kb === null) throw new Error('no VmRSS');
  return Number(kb[1]) * 1024;
}

async function push(token: string, batchId: string, samples: WireSample[]): Promise<IngestResponse> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: gzipSync(JSON.stringify({ batchId, samples })),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return JSON.parse(text) as IngestResponse;
}

/** `n` distinct series (one sample each), named by `tag` so two calls never overlap unless asked. */
function series(tag: string, n: number, ts: number, from = 0): WireSample[] {
  return Array.from({ length: n }, (_, i) => ({
    metric: 'icmp_rtt_avg_ms',
    labels: { check: `icmp:${tag}`, role: 'lan-gateway', target: `${tag}-${from + i}` },
    ts,
    value: 1 + ((from + i) % 7),
  }));
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const fam = parsePrometheusText(await (await fetch(`${url}/metrics`)).text()).get(name);
  return fam?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'n3mon-flood-'));
  config = join(dir, 'collector.json');
  const practices = [
    { ods: 'A81001', name: 'Flooded Surgery', sites: [] },
    { ods: 'B82002', name: 'Riverside Medical Centre', sites: [] },
  ];
  writeFileSync(config, JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, dataDir: join(dir, 'data'), practices, storage: { synchronous: 'normal' } }));
  for (const [name, practice, agent] of [
    ['flood', 'A81001', 'stolen'],
    ['flood2', 'A81001', 'stolen2'],
    ['main', 'A81001', 'main'],
    ['other', 'B82002', 'srv1'],
  ] as const) {
    const r = await runCli(['token', 'create', '--practice', practice, '--agent', agent, '--config', config], { timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    tokens[name] = r.stdout.trim();
  }
  await start();
}, 180_000);

afterAll(async () => {
  if (child !== undefined) await stopCli(child);
  rmSync(dir, { recursive: true, force: true });
});

describe('a flood of new series from one agent token', () => {
  it('stores the first maxSeriesPerAgent series, refuses the rest alone, and the other agents lose nothing', async () => {
    // The well-behaved agents have their series before the flood.
    expect((await push(tokens.main, 'main-0', series('main', KNOWN_SERIES, T0))).accepted).toBe(KNOWN_SERIES);
    expect((await push(tokens.other, 'other-0', series('other', KNOWN_SERIES, T0))).accepted).toBe(KNOWN_SERIES);
    const rssBefore = rssBytes();

    let floodAccepted = 0;
    let floodRefused = 0;
    let othersAccepted = 0;
    for (let b = 0; b < FLOOD_BATCHES; b++) {
      const ts = T0 + (b + 1) * 60_000;
      const [flood, main, other] = await Promise.all([
        push(tokens.flood, `flood-${b}`, series('flood', FLOOD_SIZE, ts, b * FLOOD_SIZE)),
        push(tokens.main, `main-${b + 1}`, series('main', KNOWN_SERIES, ts)),
        push(tokens.other, `other-${b + 1}`, series('other', KNOWN_SERIES, ts)),
      ]);
      floodAccepted += flood.accepted;
      floodRefused += flood.refused?.length ?? 0;
      expect(flood.accepted + (flood.refused?.length ?? 0)).toBe(FLOOD_SIZE);
      expect(new Set(flood.refused?.map((r) => r.rule))).toEqual(new Set(['series_limit']));
      for (const ok of [main, other]) {
        expect(ok.refused).toBeUndefined();
        othersAccepted += ok.accepted;
      }
    }
    const rssAfter = rssBytes();
    console.log(
      `collector RSS: ${(rssBefore / 2 ** 20).toFixed(1)} MiB before the flood, ${(rssAfter / 2 ** 20).toFixed(1)} MiB after 240,000 new series (${PER_AGENT} admitted)`,
    );

    // Without the limit the same flood grew this process's RSS by about 1.5 GB (measured: 135 →
    // 1,703 MiB, all 240,000 series stored); with it by well under a tenth of that.
    expect(rssAfter - rssBefore).toBeLessThan(512 * 2 ** 20);
    expect(floodAccepted).toBe(PER_AGENT);
    expect(floodRefused).toBe(FLOOD_BATCHES * FLOOD_SIZE - PER_AGENT);
    expect(othersAccepted).toBe(2 * FLOOD_BATCHES * KNOWN_SERIES);
    // The store holds exactly the admitted series and the others'.
    expect(await metric('n3mon_store_series')).toBe(PER_AGENT + 2 * KNOWN_SERIES);
    expect(await metric('n3mon_ingest_series_tracked')).toBe(PER_AGENT + 2 * KNOWN_SERIES);
    expect(await metric('n3mon_ingest_series_limit_samples_total')).toBe(floodRefused);
    expect(await metric('n3mon_ingest_requests_total', { result: 'partial' })).toBe(FLOOD_BATCHES);

    // The other practice's samples are all there, through the read API.
    const key = await runCli(['apikey', 'create', '--role', 'practice', '--practice', 'B82002', '--config', config], { timeoutMs: 60_000 });
    expect(key.code, key.stderr).toBe(0);
    const res = await fetch(`${url}/api/v1/practices/B82002/series?metric=icmp_rtt_avg_ms&from=${T0}&to=${T0 + 3_600_000}&step=1m`, {
      headers: { authorization: `Bearer ${key.stdout.trim()}` },
    });
    const body = (await res.json()) as { series: Array<{ points: Array<{ count: number }> }> };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.series).toHaveLength(KNOWN_SERIES);
    expect(body.series.reduce((n, s) => n + s.points.reduce((m, p) => m + p.count, 0), 0)).toBe(KNOWN_SERIES * (FLOOD_BATCHES + 1));
  }, 300_000);

  it("keeps storing the flooding agent's known series, and says why the new ones are refused", async () => {
    const ts = T0 + 30 * 60_000;
    const known = await push(tokens.flood, 'flood-known', series('flood', 100, ts));
    expect(known).toMatchObject({ accepted: 100 });
    expect(known.refused).toBeUndefined();
    const mixed = await push(tokens.flood, 'flood-mixed', [...series('flood', 2, ts + 1000), ...series('fresh', 2, ts)]);
    expect(mixed.accepted).toBe(2);
    expect(mixed.refused).toEqual([
      { index: 2, rule: 'series_limit', problem: expect.stringMatching(/^samples\[2\]: new series icmp_rtt_avg_ms refused: .*series limit/) },
      { index: 3, rule: 'series_limit', problem: expect.any(String) },
    ]);
  });

  it('a second agent of the same practice gets only what is left of the practice limit; other practices still grow', async () => {
    const ts = T0 + 40 * 60_000;
    const second = await push(tokens.flood2, 'flood2-0', series('flood2', FLOOD_SIZE, ts));
    expect(second.accepted).toBe(PER_PRACTICE - PER_AGENT - KNOWN_SERIES);
    const other = await push(tokens.other, 'other-new', series('other-more', 50, ts));
    expect(other).toMatchObject({ accepted: 50 });
  });

  it('holds after a restart: the index is reloaded from the store', async () => {
    await stopCli(child as ChildProcess);
    await start();
    const ts = T0 + 50 * 60_000;
    const again = await push(tokens.flood, 'flood-after-restart', [...series('flood', 3, ts), ...series('after', 3, ts)]);
    expect(again.accepted).toBe(3);
    expect(again.refused?.map((r) => r.index)).toEqual([3, 4, 5]);
    // The practice is full: its well-behaved agent keeps its series but cannot add one.
    const main = await push(tokens.main, 'main-after-restart', [...series('main', KNOWN_SERIES, ts), ...series('main-new', 1, ts)]);
    expect(main.accepted).toBe(KNOWN_SERIES);
    expect(main.refused).toEqual([{ index: KNOWN_SERIES, rule: 'series_limit', problem: expect.any(String) }]);
  }, 180_000);
});
