// The spool on real SQLite files in a temp dir: persistence, batches across restarts, the disk
// budget, exclusive use, and kill -9 of a writer process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSpool, type Spool } from '../../../agent/src/spool/spool.ts';
import { silentLogger } from '../../../shared/src/log.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import type { WireSample } from '../../../shared/src/wire.ts';
import { captureLog } from '../../unit/agent/helpers/fakes.ts';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'n3mon-spool-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const MiB = 1024 * 1024;
let v = 0;
function samples(n: number, series = 20): WireSample[] {
  return Array.from({ length: n }, () => {
    const i = v++;
    return {
      metric: 'icmp_rtt_avg_ms',
      labels: { check: `icmp:10.200.0.${i % series}`, role: 'lan-gateway', target: `10.200.0.${i % series}` },
      ts: 1_700_000_000_000 + i,
      value: i,
    };
  });
}
const all = { lane: 'normal' as const, afterSeq: 0, throughSeq: Number.MAX_SAFE_INTEGER };

describe('spool', () => {
  it('keeps samples across a reopen, interning label sets, and deletes only what is acknowledged', () => {
    const dir = tmp();
    const input = samples(1000);
    let spool: Spool = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
    spool.append(input);
    spool.close();
    spool = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
    expect(spool.stats()).toMatchObject({ samples: 1000, oldestTs: input[0]?.ts, droppedTotal: 0 });
    const b = spool.formBatch({ ...all, limit: 600 });
    expect(b?.samples).toEqual(input.slice(0, 600));
    expect(spool.ack(b!)).toBe(600);
    const rest = spool.formBatch({ ...all, limit: 600 });
    expect(rest?.samples).toEqual(input.slice(600));
    expect(rest?.batchId).not.toBe(b?.batchId);
    // 1000 samples of 20 series: a handful of pages, not 1000 label copies
    expect(spool.stats().usedBytes).toBeLessThan(64 * 1024);
    spool.close();
  });

  it('resends the in-flight batch after a restart with the same id and content; ids are never reused', () => {
    const dir = tmp();
    let spool = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
    spool.append(samples(50));
    const sent = spool.formBatch({ ...all, limit: 30 })!;
    spool.append(samples(5)); // more arrives while the batch is out
    spool.close(); // crash or restart before the answer

    spool = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
    const again = spool.inflight()!;
    expect(again.batchId).toBe(sent.batchId);
    expect(again.samples).toEqual(sent.samples);
    expect(() => spool.formBatch({ ...all, limit: 10 })).toThrow(/already in flight/);
    spool.ack(again);
    const ids = new Set([sent.batchId]);
    for (let b = spool.formBatch({ ...all, limit: 10 }); b !== undefined; b = spool.formBatch({ ...all, limit: 10 })) {
      expect(ids.has(b.batchId)).toBe(false);
      ids.add(b.batchId);
      spool.ack(b);
    }
    expect(spool.stats().samples).toBe(0);
    spool.append(samples(3)); // an empty spool that fills again still gets fresh ids
    const later = spool.formBatch({ ...all, limit: 10 })!;
    expect(ids.has(later.batchId)).toBe(false);
    spool.close();
  });

  it('stays within maxBytes, dropping the oldest first, counting and logging it; retires an in-flight batch it cut into', () => {
    const dir = tmp();
    const logs = captureLog('warn');
    const maxBytes = 1 * MiB;
    let spool = openSpool({ dir, maxBytes, log: logs.log });
    const first = samples(200);
    spool.append(first);
    const inflight = spool.formBatch({ ...all, limit: 100 })!;
    let appended = first.length;
    let last: WireSample | undefined;
    let maxFileBytes = 0;
    for (let i = 0; i < 240; i++) {
      const s = samples(250);
      spool.append(s);
      appended += s.length;
      last = s[s.length - 1];
      maxFileBytes = Math.max(maxFileBytes, spool.stats().fileBytes);
    }
    const stats = spool.stats();
    expect(maxFileBytes).toBeLessThanOrEqual(maxBytes);
    expect(stats.droppedTotal).toBeGreaterThan(0);
    expect(stats.droppedTotal + stats.samples).toBe(appended);
    const warns = logs.find('spool over its disk budget: dropped the oldest samples');
    expect(warns.length).toBeGreaterThan(0);
    expect(warns.reduce((n, w) => n + (w.droppedSamples as number), 0)).toBe(stats.droppedTotal);
    expect(warns.at(-1)).toMatchObject({ droppedTotal: stats.droppedTotal, maxBytes });
    // the in-flight batch lost its rows: its id is retired, the survivors are the newest, in order
    expect(spool.inflight()).toBeUndefined();
    const next = spool.formBatch({ ...all, limit: 1_000_000 })!;
    expect(next.batchId).not.toBe(inflight.batchId);
    expect(next.samples.length).toBe(stats.samples);
    expect(next.samples.at(-1)).toEqual(last);
    const values = next.samples.map((s) => s.value);
    expect(values).toEqual(Array.from({ length: values.length }, (_, i) => (values[0] as number) + i));
    spool.close();
    spool = openSpool({ dir, maxBytes, log: silentLogger() });
    expect(spool.stats().droppedTotal).toBe(stats.droppedTotal); // persisted
    spool.close();
  });

  it('sets a rejected batch aside, out of the queue, with its problems', () => {
    const dir = tmp();
    const spool = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
    const input = samples(20);
    spool.append(input);
    const b = spool.formBatch({ ...all, limit: 10 })!;
    spool.reject(b, { status: 400, reason: 'N3MON_ERR_INGEST_INVALID: bad', problems: ['samples[3].value: must be number'] });
    expect(spool.rejected()).toEqual([
      {
        batchId: b.batchId,
        rejectedAt: expect.any(Number),
        status: 400,
        reason: 'N3MON_ERR_INGEST_INVALID: bad',
        problems: ['samples[3].value: must be number'],
        samples: input.slice(0, 10),
      },
    ]);
    expect(spool.stats()).toMatchObject({ samples: 10, rejectedBatchesTotal: 1, rejectedSamplesTotal: 10 });
    expect(spool.formBatch({ ...all, limit: 10 })?.samples).toEqual(input.slice(10));
    spool.close();
  });

  it('refuses a second opener of the same spool (two agents must never share one)', () => {
    const dir = tmp();
    const spool = openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() });
    spool.append(samples(1));
    let error: unknown;
    try {
      openSpool({ dir, maxBytes: 64 * MiB, log: silentLogger() }).close();
    } catch (err) {
      error = err;
    }
    expect(isN3monError(error, 'N3MON_ERR_SPOOL_OPEN')).toBe(true);
    expect((error as Error).message).toMatch(/in use by another agent process/);
    spool.close();
  });

  it('keeps every committed row when the writing process is killed with SIGKILL', async () => {
    const dir = tmp();
    const writer = fileURLToPath(new URL('./fixtures/spool-writer.ts', import.meta.url));
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', writer, dir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let reported = 0;
    let stderr = '';
    let buffered = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killed = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`writer reported ${reported} batches in time; stderr: ${stderr}`)), 30_000);
        child.stdout.on('data', (c: Buffer) => {
          buffered += c.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop() ?? '';
          for (const l of lines) reported = Number(l);
          if (reported >= 3000) {
            clearTimeout(timer);
            child.kill('SIGKILL'); // mid-stream: the writer is in a tight append loop
            resolve();
          }
        });
        child.on('exit', () => reject(new Error(`writer exited early; stderr: ${stderr}`)));
      });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(await killed).toBe('SIGKILL');
    const spool = openSpool({ dir, maxBytes: 256 * MiB, log: silentLogger() });
    const { samples: count } = spool.stats();
    expect(count % 10).toBe(0); // whole transactions only
    expect(count).toBeGreaterThanOrEqual(reported * 10);
    const b = spool.formBatch({ ...all, limit: count })!;
    expect(b.samples.map((s) => s.value)).toEqual(Array.from({ length: count }, (_, k) => (Math.floor(k / 10) + 1) * 10 + (k % 10)));
    spool.close();
  });
});
