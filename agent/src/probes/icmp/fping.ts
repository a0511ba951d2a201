/**
 * The fping path (Linux, where fping is installed): the bursts of every icmp check that shares a
 * schedule — same intervalMs, count, pingIntervalMs, replyTimeoutMs, packetSizeBytes — go out in
 * ONE `fping -C count -p pingIntervalMs` per round for all their targets, instead of one ping
 * process per check and burst. 20 targets every 30 s: 2 processes a minute instead of 40 (and
 * one ~2 MB process alive during a round instead of twenty ~2 MB pings). Each target still gets
 * its own burst of `count` requests `pingIntervalMs` apart, measured and judged as before
 * (parse-fping.ts gives the same ParsedPing as iputils' reader).
 *
 * Rounds: the first run() of any member starts round 0 with every member; then a round every
 * intervalMs. A member's run() takes the latest round it has not taken yet; when that round is
 * still running, it waits for it (at most one burst, which the check's timeout already allows).
 * A member that has no round coming in time — it joined after the round started (pulled config),
 * or its run came late — gets a round of its own at once. The check's result therefore describes
 * the group's latest burst, which started at most one interval before the run.
 *
 * fping is started through the ping helper (./helper.ts: the agent never forks itself per round);
 * only IP literals go this way (fping resolves names once per run; host names keep the iputils
 * path, which resolves them per burst with its own `dns_error`).
 */
import { accessSync, constants } from 'node:fs';
import { isIP } from 'node:net';
import { delimiter, join } from 'node:path';
import type { PingHelper } from './helper.ts';
import { fpingLinesFor, parseFpingRound } from './parse-fping.ts';
import type { ParsedPing } from './parsed.ts';
import type { PingRequest, PingRun } from './request.ts';

/** A round of the whole group, or a member's own. */
interface Round {
  id: number;
  targets: Set<string>;
  done: Promise<void>;
  finished: boolean;
}

interface Member {
  target: string;
  /** Latest round result for this target and the round it came from. */
  latest?: { round: number; run: PingRun };
  /** Round id last returned by run(). */
  taken: number;
  users: number;
}

/** The round schedule of one group: the request fields that fping takes per process. */
export interface RoundSpec {
  roundIntervalMs: number;
  count: number;
  intervalMs: number;
  replyTimeoutMs: number;
  packetSizeBytes: number;
}

/**
 * fping's arguments for one round (exported for tests). `-i`, the gap between any two packets
 * (fping's default 10 ms), shrinks for a large group so that every target still gets its
 * requests `pingIntervalMs` apart: 20 targets × 10 ms fit in 500 ms, 100 need 5 ms.
 */
export function fpingArgs(fping: string, spec: RoundSpec, targets: readonly string[]): string[] {
  const perHostMs = Math.max(1, Math.round(spec.intervalMs));
  const gapMs = Math.max(1, Math.min(10, Math.floor(perHostMs / Math.max(1, targets.length))));
  return [
    fping,
    '-C',
    String(spec.count),
    '-p',
    String(perHostMs),
    '-i',
    String(gapMs),
    '-t',
    String(Math.max(1, Math.round(spec.replyTimeoutMs))),
    '-b',
    String(spec.packetSizeBytes),
    ...targets,
  ];
}

/** How long before a round start a run still waits for it rather than taking a round of its own. */
const JOIN_NEXT_MS = 500;

export class FpingGroup {
  readonly #spec: RoundSpec;
  readonly #fping: string;
  readonly #helper: () => PingHelper;
  readonly #members = new Map<string, Member>();
  #nextId = 1;
  #current: Round | undefined;
  #startedAt: number | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: { spec: RoundSpec; fping: string; helper: () => PingHelper }) {
    this.#spec = opts.spec;
    this.#fping = opts.fping;
    this.#helper = opts.helper;
  }

  join(target: string): void {
    const m = this.#members.get(target);
    if (m !== undefined) m.users++;
    else this.#members.set(target, { target, taken: 0, users: 1 });
  }

  /** Returns true when the group has no member left (the caller drops it). */
  leave(target: string): boolean {
    const m = this.#members.get(target);
    if (m !== undefined && --m.users <= 0) this.#members.delete(target);
    if (this.#members.size > 0) return false;
    this.close();
    return true;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async run(target: string): Promise<PingRun> {
    const m = this.#members.get(target);
    if (m === undefined || this.#closed) return { ok: false, reason: 'unavailable', message: `fping group: ${target} is not a member (the check was closed)` };
    if (this.#startedAt === undefined) {
      this.#startedAt = Date.now();
      this.#groupRound();
    }
    const fresh = (): PingRun | undefined => {
      if (m.latest === undefined || m.latest.round <= m.taken) return undefined;
      m.taken = m.latest.round;
      return m.latest.run;
    };
    const now = fresh();
    if (now !== undefined) return now;
    const cur = this.#current;
    if (cur !== undefined && !cur.finished && cur.targets.has(target)) {
      await cur.done;
    } else if (this.#nextRoundAt() - Date.now() <= JOIN_NEXT_MS) {
      await new Promise<void>((resolve) => {
        const wait = (): void => {
          const r = this.#current;
          if (r !== undefined && !r.finished && r.targets.has(target)) void r.done.then(resolve);
          else if (this.#closed) resolve();
          else setTimeout(wait, 50).unref();
        };
        setTimeout(wait, Math.max(0, this.#nextRoundAt() - Date.now())).unref();
      });
    } else {
      await this.#round([target]).done;
    }
    return fresh() ?? { ok: false, reason: 'unavailable', message: `fping round for ${target} gave no result (the agent is stopping?)` };
  }

  #nextRoundAt(): number {
    const start = this.#startedAt ?? Date.now();
    const k = Math.floor((Date.now() - start) / this.#spec.roundIntervalMs) + 1;
    return start + k * this.#spec.roundIntervalMs;
  }

  #groupRound(): void {
    if (this.#closed || this.#members.size === 0) return;
    this.#current = this.#round([...this.#members.keys()]);
    const delay = Math.max(0, this.#nextRoundAt() - Date.now());
    this.#timer = setTimeout(() => this.#groupRound(), delay);
    this.#timer.unref();
  }

  #round(targets: string[]): Round {
    const id = this.#nextId++;
    const argv = fpingArgs(this.#fping, this.#spec, targets);
    const round: Round = { id, targets: new Set(targets), finished: false, done: Promise.resolve() };
    round.done = this.#helper()
      .run(argv)
      .then((res) => {
        round.finished = true;
        let results: Map<string, ParsedPing> | undefined;
        let failed: PingRun | undefined;
        if (!res.ok) failed = { ok: false, reason: 'unavailable', message: res.message };
        else if (res.exitCode === 127 || res.exitCode === 126)
          failed = {
            ok: false,
            reason: 'unavailable',
            message: `${this.#fping}: ${res.exitCode === 127 ? 'not found' : 'not executable'} (${res.output.trim()})`,
          };
        else results = parseFpingRound(res.output, targets);
        for (const t of targets) {
          const m = this.#members.get(t);
          if (m === undefined) continue;
          const parsed = results?.get(t);
          const run: PingRun =
            failed ??
            (parsed === undefined
              ? { ok: false, reason: 'unavailable', message: 'no fping output' }
              : { ok: true, platform: 'linux', parsed, output: fpingLinesFor(res.ok ? res.output : '', t) });
          if (m.latest === undefined || m.latest.round < id) m.latest = { round: id, run };
        }
      });
    return round;
  }
}

/** The fping executable on PATH (or undefined). */
export function findFping(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, 'fping');
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch (err) {
      // Not here (ENOENT) or not executable (EACCES): look in the next PATH entry.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'EACCES') throw err;
    }
  }
  return undefined;
}

/** Can this burst go through fping? IP literals with a round interval (names keep iputils' per-burst lookup). */
export function fpingEligible(req: PingRequest): req is PingRequest & { roundIntervalMs: number } {
  return req.roundIntervalMs !== undefined && isIP(req.target) !== 0 && (req.ipVersion === undefined || req.ipVersion === isIP(req.target));
}

export function specKey(spec: RoundSpec): string {
  return [spec.roundIntervalMs, spec.count, spec.intervalMs, spec.replyTimeoutMs, spec.packetSizeBytes].join('/');
}
