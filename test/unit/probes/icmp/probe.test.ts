/**
 * The probe's own glue around the ping runner: abort, a runner that cannot start ping, and a
 * captured burst end to end. (The real ping is exercised in test/integration/probes/icmp/.)
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createIcmpProbe, type PingRunner, type PingRequest } from '../../../../agent/src/probes/icmp/index.ts';
import { IcmpCheck } from '../../../../agent/src/probes/icmp/schema.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import { silentLogger } from '../../../../shared/src/log.ts';
import { systemClock } from '../../../../shared/src/clock.ts';
import type { RunContext } from '../../../../agent/src/probes/types.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/ping/', import.meta.url));
const parsed = parseWithSchema(IcmpCheck, { kind: 'icmp', target: '192.0.2.1', role: 'lan-gateway', count: 5 });
if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
const check = parsed.value;
const env = { log: silentLogger() };
const ctx = (signal: AbortSignal): RunContext => ({ signal, timeoutMs: 10_000, log: env.log, clock: systemClock });

describe('icmp probe', () => {
  it("hands the check's burst to the runner and reads its output", async () => {
    const seen: PingRequest[] = [];
    const runner: PingRunner = {
      run: async (req) => {
        seen.push(req);
        return { ok: true, output: readFileSync(DIR + 'linux-total-loss.txt', 'utf8'), platform: 'linux' };
      },
    };
    const result = await createIcmpProbe(check, env, runner).run(ctx(new AbortController().signal));
    expect(seen).toEqual([{ target: '192.0.2.1', count: 5, intervalMs: 500, replyTimeoutMs: 1000, packetSizeBytes: 56, roundIntervalMs: check.intervalMs }]);
    expect(result).toEqual({ outcome: 'timeout', samples: [{ metric: 'icmp_loss_ratio', value: 1 }], message: 'no reply to 5 echo request(s)' });
  });

  it('a runner that cannot start ping is `unavailable`, not a dead host', async () => {
    const runner: PingRunner = { run: async () => ({ ok: false, reason: 'unavailable', message: 'spawn ping ENOENT' }) };
    const result = await createIcmpProbe(check, env, runner).run(ctx(new AbortController().signal));
    expect(result).toEqual({ outcome: 'unavailable', samples: [], message: 'ping could not run: spawn ping ENOENT' });
  });

  it('returns `timeout` as soon as the signal aborts, without waiting for ping', async () => {
    const runner: PingRunner = { run: () => new Promise(() => undefined) };
    const ac = new AbortController();
    const pending = createIcmpProbe(check, env, runner).run(ctx(ac.signal));
    ac.abort();
    const result = await pending;
    expect(result.outcome).toBe('timeout');
    expect(result.samples).toEqual([]);
  });

  it('does not start ping when the signal is already aborted', async () => {
    let calls = 0;
    const runner: PingRunner = { run: async () => (calls++, { ok: true, output: '', platform: 'linux' }) };
    const ac = new AbortController();
    ac.abort();
    expect((await createIcmpProbe(check, env, runner).run(ctx(ac.signal))).outcome).toBe('timeout');
    expect(calls).toBe(0);
  });
});
