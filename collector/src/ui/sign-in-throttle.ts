/**
 * Dashboard sign-in throttling (docs/dashboard.md "Sign-in limits"). Only failed attempts count;
 * a success never does, and clears its user-and-address record. Three records, each checked
 * before the password is (and an attempt in flight counts as a failure until it ends, so a burst
 * of parallel guesses gains nothing):
 *
 * - per user name **and** client address: `freeFailures` failures, then a progressive delay —
 *   each further attempt must wait 2^k seconds after the previous failure (2 s, 4 s, 8 s, … capped
 *   at `maxDelayMs`). An attacker slows only their own address: the real user, from theirs, signs
 *   in at once; from the same address, once the delay has passed.
 * - per user name over all addresses: the same with more free failures and a short cap, against
 *   guessing from many addresses — it can delay the real user by at most that cap.
 * - per client address: at most `maxFailures` failures in a fixed window (a whole office may sit
 *   behind one address, so it is generous).
 *
 * The client address is Fastify's `req.ip`: the connecting address, or with `listen.trustProxy`
 * the address the trusted proxy put in X-Forwarded-For. A record is forgotten `forgetMs` after its
 * last failure; at most `maxEntries` records per kind are kept (the oldest go first).
 */
export interface ProgressiveLimit {
  /** Failures allowed before the delay starts. */
  freeFailures: number;
  /** The first delay is 2 × this, then 4 ×, 8 ×, … */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A record is forgotten this long after its last failure. */
  forgetMs: number;
}

export interface SignInLimits {
  perUserAddress: ProgressiveLimit;
  perUser: ProgressiveLimit;
  perAddress: { maxFailures: number; windowMs: number };
}

export const DEFAULT_SIGN_IN_LIMITS: SignInLimits = {
  perUserAddress: { freeFailures: 10, baseDelayMs: 1000, maxDelayMs: 15 * 60_000, forgetMs: 60 * 60_000 },
  perUser: { freeFailures: 50, baseDelayMs: 1000, maxDelayMs: 60_000, forgetMs: 60 * 60_000 },
  perAddress: { maxFailures: 100, windowMs: 5 * 60_000 },
};

const MAX_ENTRIES = 10_000;
/** While an attempt is in flight on a throttled record, others wait this long. */
const IN_FLIGHT_WAIT_MS = 1000;

interface Progress {
  failures: number;
  lastFailureAt: number;
  pending: number;
}

class ProgressiveDelay {
  readonly #entries = new Map<string, Progress>();

  constructor(private readonly limit: ProgressiveLimit) {}

  delayAfter(failures: number): number {
    const { freeFailures, baseDelayMs, maxDelayMs } = this.limit;
    if (failures < freeFailures) return 0;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** Math.min(40, failures - freeFailures + 1));
  }

  /** How long before an attempt may go ahead (0: now). */
  waitMs(key: string, now: number): number {
    const e = this.#entries.get(key);
    if (e === undefined) return 0;
    if (e.pending === 0 && now - e.lastFailureAt >= this.limit.forgetMs) {
      this.#entries.delete(key);
      return 0;
    }
    if (e.failures + e.pending < this.limit.freeFailures) return 0;
    if (e.pending > 0) return IN_FLIGHT_WAIT_MS;
    return Math.max(0, e.lastFailureAt + this.delayAfter(e.failures) - now);
  }

  begin(key: string): void {
    const e = this.#entries.get(key) ?? { failures: 0, lastFailureAt: 0, pending: 0 };
    e.pending++;
    this.#touch(key, e);
  }

  end(key: string, outcome: 'failed' | 'succeeded' | 'unknown', now: number, forgetOnSuccess: boolean): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    e.pending = Math.max(0, e.pending - 1);
    if (outcome === 'failed') {
      e.failures++;
      e.lastFailureAt = now;
      this.#touch(key, e);
    } else if (outcome === 'succeeded' && forgetOnSuccess) this.#entries.delete(key);
    else if (e.pending === 0 && e.failures === 0) this.#entries.delete(key);
  }

  #touch(key: string, e: Progress): void {
    this.#entries.delete(key);
    this.#entries.set(key, e);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }
}

interface Window {
  start: number;
  failures: number;
  pending: number;
}

class FailureWindow {
  readonly #entries = new Map<string, Window>();

  constructor(private readonly limit: { maxFailures: number; windowMs: number }) {}

  waitMs(key: string, now: number): number {
    const w = this.#entries.get(key);
    if (w === undefined) return 0;
    if (now - w.start >= this.limit.windowMs) {
      if (w.pending === 0) this.#entries.delete(key);
      else Object.assign(w, { start: now, failures: 0 });
      return 0;
    }
    return w.failures + w.pending >= this.limit.maxFailures ? w.start + this.limit.windowMs - now : 0;
  }

  begin(key: string, now: number): void {
    const w = this.#entries.get(key) ?? { start: now, failures: 0, pending: 0 };
    w.pending++;
    this.#entries.delete(key);
    this.#entries.set(key, w);
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  end(key: string, failed: boolean): void {
    const w = this.#entries.get(key);
    if (w === undefined) return;
    w.pending = Math.max(0, w.pending - 1);
    if (failed) w.failures++;
    else if (w.pending === 0 && w.failures === 0) this.#entries.delete(key);
  }
}

export interface SignInAttempt {
  /** Report how the attempt ended (exactly once). */
  end(outcome: 'failed' | 'succeeded' | 'unknown'): void;
}

export class SignInThrottle {
  readonly #userAddress: ProgressiveDelay;
  readonly #user: ProgressiveDelay;
  readonly #address: FailureWindow;
  readonly #now: () => number;

  constructor(limits: SignInLimits, now: () => number) {
    this.#userAddress = new ProgressiveDelay(limits.perUserAddress);
    this.#user = new ProgressiveDelay(limits.perUser);
    this.#address = new FailureWindow(limits.perAddress);
    this.#now = now;
  }

  /**
   * Either how long to wait (ms, > 0; the attempt is not made and not counted), or a started
   * attempt to end with its outcome.
   */
  attempt(username: string, address: string): { waitMs: number; which: 'user-address' | 'user' | 'address' } | SignInAttempt {
    const now = this.#now();
    const user = username.toLowerCase();
    const ua = `${user}\u0000${address}`;
    const waits: Array<[number, 'user-address' | 'user' | 'address']> = [
      [this.#userAddress.waitMs(ua, now), 'user-address'],
      [this.#user.waitMs(user, now), 'user'],
      [this.#address.waitMs(address, now), 'address'],
    ];
    const [waitMs, which] = waits.reduce((a, b) => (b[0] > a[0] ? b : a));
    if (waitMs > 0) return { waitMs, which };
    this.#userAddress.begin(ua);
    this.#user.begin(user);
    this.#address.begin(address, now);
    let ended = false;
    return {
      end: (outcome) => {
        if (ended) return;
        ended = true;
        const at = this.#now();
        this.#userAddress.end(ua, outcome, at, true);
        this.#user.end(user, outcome, at, false);
        this.#address.end(address, outcome === 'failed');
      },
    };
  }
}
