/**
 * n3mon's side of `npm run bench:snmp`, in a child process of its own so that its CPU is read from
 * /proc/<pid>/stat exactly as the exporter's is: one `snmp` check per device (the real probe, the
 * production net-snmp session factory with a thin wrapper that counts requests and varbinds), run
 * under the registry's concurrency cap, one round per `round` message from the parent.
 *
 * Messages in: { type: 'init', … } → 'ready'; { type: 'round' } → 'done' with the round's figures;
 * { type: 'exit' } (the process then exits, which also writes a --cpu-prof profile).
 */
import { snmpProbe } from '../../agent/src/probes/snmp/index.ts';
import { openNetSnmpSession } from '../../agent/src/probes/snmp/net-snmp-session.ts';
import { createSnmpProbe } from '../../agent/src/probes/snmp/probe.ts';
import type { SnmpCheck } from '../../agent/src/probes/snmp/schema.ts';
import type { SessionFactory } from '../../agent/src/probes/snmp/session.ts';
import type { Probe } from '../../agent/src/probes/types.ts';
import { systemClock } from '../../shared/src/clock.ts';
import { silentLogger } from '../../shared/src/log.ts';
import { parseWithSchema } from '../../shared/src/validate.ts';

export interface PollerInit {
  type: 'init';
  devices: { community: string; port: number }[];
  concurrency: number;
  maxRepetitions: number;
  rediscoverEvery: number;
  requestTimeoutMs: number;
}

export interface PollerRound {
  wallS: number;
  samples: number;
  /** snmp_if_in_bps samples: interfaces with a rate this round. */
  rates: number;
  requests: number;
  varbinds: number;
  outcomes: Record<string, number>;
  rssMb: number;
}

const traffic = { requests: 0, varbinds: 0 };
/** The production session factory, counting what goes over the wire. */
const countingFactory: SessionFactory = async (params, signal) => {
  const opened = await openNetSnmpSession(params, signal);
  if (!opened.ok) return opened;
  const s = opened.value;
  const count = <T>(r: { ok: true; value: T } | { ok: false; failure: { kind: string; message: string } }, n: (v: T) => number) => {
    traffic.requests++;
    if (r.ok) traffic.varbinds += n(r.value);
    return r;
  };
  return {
    ok: true,
    value: {
      get: async (o, sig) => count(await s.get(o, sig), (v) => v.length),
      getNext: async (o, sig) => count(await s.getNext(o, sig), (v) => v.length),
      getBulk: async (o, rep, sig) => count(await s.getBulk(o, rep, sig), (v) => v.reduce((a, g) => a + g.length, 0)),
      close: () => s.close(),
    },
  } as Awaited<ReturnType<SessionFactory>>;
};

function probes(init: PollerInit): Probe[] {
  return init.devices.map(({ community, port }) => {
    const raw = {
      kind: 'snmp',
      id: community, // checks sharing a target need their own ids (as in a real config)
      target: `127.0.0.1:${port}`,
      role: 'lan-gateway',
      version: '2c',
      community,
      requestTimeoutMs: init.requestTimeoutMs,
      maxRepetitions: init.maxRepetitions,
      rediscoverEvery: init.rediscoverEvery,
      interfaces: [{ name: 'Fa*' }],
    };
    const parsed = parseWithSchema(snmpProbe.schema, raw);
    if (!parsed.ok) throw new Error(parsed.problems.join('\n'));
    return createSnmpProbe(parsed.value as SnmpCheck, { openSession: countingFactory });
  });
}

async function round(devices: readonly Probe[], concurrency: number): Promise<PollerRound> {
  const log = silentLogger();
  const before = { ...traffic };
  const outcomes: Record<string, number> = {};
  let samples = 0;
  let rates = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < devices.length) {
      const probe = devices[next++] as Probe;
      const r = await probe.run({ signal: AbortSignal.timeout(60_000), timeoutMs: 60_000, log, clock: systemClock });
      outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
      samples += r.samples.length;
      for (const s of r.samples) if (s.metric === 'snmp_if_in_bps') rates++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, devices.length) }, worker));
  return {
    wallS: (performance.now() - t0) / 1000,
    samples,
    rates,
    requests: traffic.requests - before.requests,
    varbinds: traffic.varbinds - before.varbinds,
    outcomes,
    rssMb: process.memoryUsage().rss / 2 ** 20,
  };
}

let fleet: Probe[] = [];
let concurrency = snmpProbe.concurrency;
process.on('message', (msg: PollerInit | { type: 'round' } | { type: 'exit' }) => {
  const send = (m: unknown): void => {
    process.send?.(m);
  };
  if (msg.type === 'init') {
    fleet = probes(msg);
    concurrency = msg.concurrency;
    send({ type: 'ready' });
  } else if (msg.type === 'round') {
    round(fleet, concurrency).then(
      (stat) => send({ type: 'done', stat }),
      (err: Error) => send({ type: 'failed', message: err.stack ?? err.message }),
    );
  } else {
    process.disconnect?.();
    process.exit(0);
  }
});
