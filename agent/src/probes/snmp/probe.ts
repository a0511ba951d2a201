/**
 * The Probe for one `snmp` check. Created once per check; between runs it keeps the previous
 * poll's counters (for rates), what discovery learned (which OIDs to GET) and the device's
 * max-repetitions (for back-off). Each run opens a session, polls, closes it; every failure
 * becomes an outcome.
 *
 * A changed check whose device is the same (sameDevice: target, version, credentials, context) is
 * handed the old probe's state (`from`, taken at the new probe's first run, after the old one's
 * last): counters and uptime always, discovery and the warned-once sets when `interfaces` did not
 * change (else the next poll walks again). See ./README.md "A changed check".
 */
import { isDeepStrictEqual } from 'node:util';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Outcome } from '../../../../shared/src/outcomes.ts';
import type { Probe, ProbeResult, RunContext } from '../types.ts';
import { discoveryPhase, pollDevice, type PollCache } from './poll.ts';
import { evaluatePoll, type DeviceState } from './rates.ts';
import { cipherProblems } from './ciphers.ts';
import { splitTarget, type SnmpCheck } from './schema.ts';
import { compileSelectors, selectInterfaces } from './select.ts';
import type { SessionFactory, SessionParams, SnmpFailureKind } from './session.ts';
import type { BulkTuning } from './walk.ts';

export const OUTCOME_OF: Record<SnmpFailureKind, Outcome> = {
  timeout: 'timeout',
  aborted: 'timeout',
  auth: 'auth_error',
  too_big: 'protocol_error',
  no_such_name: 'protocol_error',
  error_status: 'protocol_error',
  protocol: 'protocol_error',
  dns: 'dns_error',
  unreachable: 'unreachable',
  internal: 'internal_error',
};

export function sessionParams(check: SnmpCheck): SessionParams {
  const { host, port } = splitTarget(check.target);
  const base = { host, port, version: check.version, requestTimeoutMs: check.requestTimeoutMs };
  if (check.version !== '3') return { ...base, community: check.community };
  return {
    ...base,
    user: {
      name: check.user,
      ...(check.authProtocol === undefined ? {} : { authProtocol: check.authProtocol }),
      ...(check.authKey === undefined ? {} : { authKey: check.authKey }),
      ...(check.privProtocol === undefined ? {} : { privProtocol: check.privProtocol }),
      ...(check.privKey === undefined ? {} : { privKey: check.privKey }),
    },
    ...(check.context === undefined ? {} : { context: check.context }),
  };
}

export interface SnmpProbeDeps {
  openSession: SessionFactory;
  /** The probe this one replaces (a changed check of the same device): its state is taken at the first run. */
  from?: SnmpProbe;
}

/** What a probe learned about its device, handed to the probe that replaces it. */
export interface SnmpCarried {
  check: SnmpCheck;
  state: DeviceState | undefined;
  cache: PollCache | undefined;
  maxRepetitions: number;
  frozenWarned: boolean;
  mismatchWarned: Set<string>;
  lastIdentity: string | undefined;
}

export type SnmpProbe = Probe & {
  readonly tuning: Readonly<BulkTuning>;
  /** This probe's state now (for the probe that replaces it). */
  carried(): SnmpCarried;
};

/** The keys that say which device, and as whom, a check polls: the same on both, the state carries over. */
const DEVICE_KEYS = ['target', 'version', 'community', 'user', 'authProtocol', 'authKey', 'privProtocol', 'privKey', 'context'] as const;

export function sameDevice(a: SnmpCheck, b: SnmpCheck): boolean {
  const at = (c: SnmpCheck, k: (typeof DEVICE_KEYS)[number]): unknown => (c as Record<string, unknown>)[k];
  return DEVICE_KEYS.every((k) => at(a, k) === at(b, k));
}

export function isSnmpProbe(probe: Probe): probe is SnmpProbe {
  return typeof (probe as Partial<SnmpProbe>).carried === 'function';
}

/** The probe instance; `deps.openSession` is the seam (real net-snmp, or a fake device in unit tests). */
export function createSnmpProbe(check: SnmpCheck, deps: SnmpProbeDeps): SnmpProbe {
  // A cipher this Node cannot do is refused when the probe is made (a pulled config rolls back), not at the first poll.
  const refused = cipherProblems(check);
  if (refused.length > 0) throw new N3monError('N3MON_ERR_CONFIG_INVALID', refused.join('; '), { problems: refused });
  const params = sessionParams(check);
  const selectors = compileSelectors(check.interfaces);
  const tuning: BulkTuning = { maxRepetitions: check.maxRepetitions, ceiling: check.maxRepetitions };
  const phase = discoveryPhase(`${check.id ?? ''}|${check.target}`, check.rediscoverEvery);
  let state: DeviceState | undefined;
  let cache: PollCache | undefined;
  let frozenWarned = false;
  /** Interface directions already logged as running above their reported speed (logged once each). */
  let mismatchWarned = new Set<string>();
  /** sysName, sysDescr and selection size last logged at discovery (logged again when they change). */
  let lastIdentity: string | undefined;
  let from = deps.from;

  /** Takes the replaced probe's state (once, at the first run: its last run has settled by then). */
  function adopt(ctx: RunContext): void {
    if (from === undefined) return;
    const c = from.carried();
    from = undefined;
    state = c.state;
    tuning.maxRepetitions = Math.min(c.maxRepetitions, tuning.ceiling);
    frozenWarned = c.frozenWarned;
    lastIdentity = c.lastIdentity;
    const sameSelection = isDeepStrictEqual(c.check.interfaces, check.interfaces);
    if (sameSelection) {
      cache = c.cache;
      mismatchWarned = c.mismatchWarned;
    }
    ctx.log.debug({ target: check.target, counters: state !== undefined, discovery: cache !== undefined }, 'snmp state carried over from the replaced check');
  }

  async function run(ctx: RunContext): Promise<ProbeResult> {
    adopt(ctx);
    const started = ctx.clock.monotonic();
    const opened = await deps.openSession(params, ctx.signal);
    if (!opened.ok) {
      ctx.log.warn({ target: check.target, failure: opened.failure.kind, reason: opened.failure.message }, 'snmp session not opened');
      return { outcome: OUTCOME_OF[opened.failure.kind], samples: [], message: opened.failure.message };
    }
    const session = opened.value;
    try {
      const before = tuning.maxRepetitions;
      const polled = await pollDevice(session, {
        version: check.version,
        retries: check.retries,
        signal: ctx.signal,
        clock: ctx.clock,
        tuning,
        rediscoverEvery: check.rediscoverEvery,
        phase,
        ...(selectors === undefined ? {} : { selectors }),
        ...(cache === undefined ? {} : { cache }),
        ...(state?.sysUpTimeTicks === undefined ? {} : { previous: { ticks: state.sysUpTimeTicks, atMs: state.atMs } }),
      });
      if (tuning.maxRepetitions !== before) ctx.log.debug({ target: check.target, from: before, to: tuning.maxRepetitions }, 'snmp max-repetitions changed');
      if (!polled.ok) {
        const f = polled.failure;
        const message = f.kind === 'aborted' ? `check timeout (${ctx.timeoutMs} ms) reached: ${f.message}` : f.message;
        ctx.log.warn({ target: check.target, failure: f.kind, reason: message, maxRepetitions: tuning.maxRepetitions }, 'snmp poll failed');
        return { outcome: OUTCOME_OF[f.kind], samples: [], message };
      }
      const { snapshot } = polled.value;
      cache = polled.value.cache;
      if (polled.value.walked) {
        const identity = `${snapshot.sysName ?? ''}\u0000${snapshot.sysDescr ?? ''}\u0000${cache.rows.size}`;
        const fields = {
          target: check.target,
          sysName: snapshot.sysName,
          sysDescr: snapshot.sysDescr,
          interfaces: snapshot.interfaces.length,
          selected: cache.rows.size,
          requests: polled.value.requests,
        };
        if (identity !== lastIdentity) ctx.log.info(fields, 'snmp device discovered');
        else ctx.log.debug(fields, 'snmp interface tables walked');
        if (identity !== lastIdentity && selectors !== undefined && cache.rows.size === 0) {
          ctx.log.warn(
            { target: check.target, interfaces: snapshot.interfaces.slice(0, 50).map((r) => r.name) },
            'snmp interfaces: no selector matched any interface of this device',
          );
        }
        lastIdentity = identity;
      }
      const evaluation = evaluatePoll(state, snapshot, selectInterfaces(snapshot.interfaces, selectors));
      state = evaluation.state;
      if (evaluation.restarted !== undefined)
        ctx.log.info(
          { target: check.target, reason: evaluation.restarted, sysName: snapshot.sysName },
          'snmp agent restarted since the last poll; no rates this interval',
        );
      if (evaluation.uptimeFrozen && !frozenWarned) {
        frozenWarned = true;
        ctx.log.warn({ target: check.target }, 'sysUpTime does not advance on this device; restarts are detected from the counters only');
      }
      const byReason: Record<string, string[]> = {};
      for (const d of evaluation.discontinuities) {
        if (d.reason === 'agent_restarted' || d.reason === 'engine_boots_changed') continue; // logged once above
        (byReason[d.reason] ??= []).push(d.counters.length > 0 ? `${d.ifName} (${d.counters.join(', ')})` : d.ifName);
      }
      const newMismatches = evaluation.speedMismatches.filter((m) => !mismatchWarned.has(`${m.ifIndex}/${m.ifName}/${m.direction}`));
      for (const m of newMismatches) mismatchWarned.add(`${m.ifIndex}/${m.ifName}/${m.direction}`);
      if (newMismatches.length > 0) {
        const interfaces = newMismatches.map((m) => ({ ifName: m.ifName, direction: m.direction, reportedBps: m.reportedBps, rateBps: Math.round(m.rateBps) }));
        ctx.log.warn(
          { target: check.target, interfaces },
          'snmp interface rate above its reported speed; rate sent, no utilisation: set inBps/outBps or speedBps for it',
        );
      }
      if (Object.keys(byReason).length > 0)
        ctx.log.info({ target: check.target, discontinuities: byReason }, 'snmp counter discontinuities; no rate this interval for these');
      const pollMs = ctx.clock.monotonic() - started;
      return { outcome: 'success', samples: [...evaluation.samples, { metric: 'snmp_poll_ms', value: pollMs }] };
    } catch (err) {
      ctx.log.error({ err, target: check.target }, 'snmp probe bug');
      return { outcome: 'internal_error', samples: [], message: `snmp probe failed: ${(err as Error).message}` };
    } finally {
      session.close();
    }
  }

  return {
    run,
    get tuning() {
      return tuning;
    },
    carried() {
      // Not run yet: what it would have taken (the cache still belongs to that probe's selection).
      if (from !== undefined) return from.carried();
      return { check, state, cache, maxRepetitions: tuning.maxRepetitions, frozenWarned, mismatchWarned, lastIdentity };
    },
  };
}
