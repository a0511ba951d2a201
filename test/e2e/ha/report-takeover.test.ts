// Issue 15: "the month's report generation that was running is finished by the survivor". Two
// collectors (the built CLI) on one PostgreSQL (state, the 'reports' lease) and one influxd
// (series), one shared archive directory. Last month's samples for three practices are sent
// through ingest (agent-shaped, as the dashboard test sends them). Collector A is started alone,
// takes the 'reports' lease and begins the month; it is frozen (SIGSTOP) the moment it says so —
// before it can have archived the organisation summary — and collector B is started. B takes the
// lease when A's expires, finishes the month (every practice and the summary archived), and A is
// then killed (SIGKILL) without ever running again.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INFLUXD, type Influxd, startInfluxd } from '../../helpers/influxd.ts';
import { skipUnlessLab } from '../../helpers/lab-guard.ts';
import { PG_LAB_REQUIREMENTS, type PgLab, startPostgres } from '../../helpers/postgres-lab.ts';
import { HEALTHY, MIN, practiceSamples } from '../dashboard/data.ts';
import { monthOf, previousMonth, reportZone } from '../../../collector/src/reports/month.ts';
import { cli, type CollectorProc, type Proc, spawnLogged, startCollector, started, writeCollectorConfig } from './lab.ts';

const skip = skipUnlessLab({ files: [...PG_LAB_REQUIREMENTS.files, INFLUXD] });

const PRACTICES = ['H81001', 'H81002', 'H81003'].map((ods, i) => ({ ods, name: `Takeover Surgery ${i + 1}` }));
const dir = mkdtempSync(join(tmpdir(), 'n3mon-ha-reports-'));
const archive = join(dir, 'reports');
let pgLab: PgLab | undefined;
let influx: Influxd | undefined;
let month = '';

async function until<T>(what: string, f: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const archived = (name: string): boolean => existsSync(join(archive, month, `${name}.json`));
const generating = (p: Proc): boolean => p.logs.some((l) => l.msg === "generating last month's reports" && l.month === month);

beforeAll(async () => {
  if (skip) return;
  [pgLab, influx] = await Promise.all([startPostgres(), startInfluxd()]);
}, 90_000);

afterAll(async () => {
  for (const c of started) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  await influx?.cleanup();
  await pgLab?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip)('two collectors: the monthly reports of a collector that dies mid-way', () => {
  it('are finished by the survivor once the lease expires', async () => {
    const lab = pgLab as PgLab;
    const setup = { dir, influxUrl: (influx as Influxd).url, stateUrl: lab.url(await lab.createDatabase('n3mon')), hookUrl: 'http://127.0.0.1:9/unused' };
    const opts = { practices: PRACTICES, rawDays: 62 };
    const ca = await writeCollectorConfig(setup, 'A', opts);
    const cb = await writeCollectorConfig(setup, 'B', opts);
    // Last month's final hours (London), sent while the month has no data: the first run finds it empty and archives nothing.
    const zone = reportZone();
    month = previousMonth(monthOf(zone, Date.now()));
    const monthEnd = Date.parse(`${monthOf(zone, Date.now())}-01T00:00:00Z`) - 2 * 3_600_000; // before the end in London and in UTC
    const from = monthEnd - 2 * 60 * MIN;
    let first: CollectorProc | undefined = await startCollector('A', ca);
    const done = (p: Proc): boolean => p.logs.some((l) => l.msg === 'monthly reports archived');
    await until('the first run to find last month empty', () => (done(first as CollectorProc) ? true : undefined));
    expect((first.logs.find((l) => l.msg === 'monthly reports archived') as { generated?: number }).generated).toBe(0);
    for (const [i, p] of PRACTICES.entries()) {
      const token = await cli(['token', 'create', '--practice', p.ods, '--agent', 'srv', '--config', ca.config]);
      const samples = practiceSamples(HEALTHY, from, monthEnd, i + 1);
      for (let k = 0; k < samples.length; k += 5000) {
        const res = await fetch(`${first.url}/api/v1/ingest`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ batchId: `${p.ods}-${k}`, samples: samples.slice(k, k + 5000) }),
        });
        expect(res.status, await res.text()).toBe(200);
      }
    }
    expect(archived('organisation')).toBe(false);
    await first.stop(); // graceful: its leases are released
    first = undefined;

    // A again: it takes the lease at once and begins the month; frozen the moment it says so.
    const a = spawnLogged(['collector', '--config', ca.config, '--log-level', 'info']);
    await until('collector A to begin the month', () => {
      if (a.child.exitCode !== null) throw new Error(`collector A exited: ${a.text()}`);
      return generating(a) ? true : undefined;
    });
    a.child.kill('SIGSTOP');
    expect(done(a) || archived('organisation'), 'A finished the month before it was frozen: the test proves nothing').toBe(false);

    const b = await startCollector('B', cb);
    await until('collector B to take the month over', () => (generating(b) ? true : undefined), 60_000);
    await until('B to finish the month', () => (done(b) ? true : undefined), 120_000);
    expect(archived('organisation')).toBe(true);
    a.child.kill('SIGKILL');

    for (const p of PRACTICES) {
      expect(archived(p.ods), p.ods).toBe(true);
      const report = JSON.parse(readFileSync(join(archive, month, `${p.ods}.json`), 'utf8')) as { practice: { ods: string }; month: string };
      expect([report.practice.ods, report.month]).toEqual([p.ods, month]);
    }
    const summary = JSON.parse(readFileSync(join(archive, month, 'organisation.json'), 'utf8')) as { month: string };
    expect(summary.month).toBe(month);
    // B built what A had not archived (A may have archived a practice before it froze): all of them, none failed.
    const result = b.logs.find((l) => l.msg === 'monthly reports archived') as { generated: number; skipped: number; failed: number };
    expect(result.generated).toBeGreaterThan(0);
    expect([result.generated + result.skipped, result.failed]).toEqual([PRACTICES.length, 0]);
    await b.stop();
  }, 240_000);
});
