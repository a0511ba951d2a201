// The sign-in throttle's arithmetic with a clock in hand (collector/src/ui/sign-in-throttle.ts):
// the delay doubles per failure past the free ones and stops at its cap, a success clears the
// user-and-address record, parallel guesses gain nothing, the per-user record spans addresses,
// records are forgotten, and the per-address window counts failures only.
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIGN_IN_LIMITS, SignInThrottle, type SignInAttempt } from '../../../collector/src/ui/sign-in-throttle.ts';

function setup() {
  let now = 1_000_000;
  const t = new SignInThrottle(DEFAULT_SIGN_IN_LIMITS, () => now);
  const start = (user: string, addr: string): SignInAttempt => {
    const a = t.attempt(user, addr);
    if ('waitMs' in a) throw new Error(`throttled for ${a.waitMs} ms (${a.which})`);
    return a;
  };
  const fail = (user: string, addr: string, n = 1): void => {
    for (let i = 0; i < n; i++) start(user, addr).end('failed');
  };
  const wait = (user: string, addr: string): number => {
    const a = t.attempt(user, addr);
    if ('waitMs' in a) return a.waitMs;
    a.end('unknown');
    return 0;
  };
  return { t, start, fail, wait, advance: (ms: number) => void (now += ms) };
}

describe('sign-in throttle', () => {
  it('ten free failures, then 2 s, 4 s, 8 s … after each failure, capped at 15 minutes', () => {
    const s = setup();
    s.fail('admin', '10.0.0.1', 10);
    const delays: number[] = [];
    for (let i = 0; i < 14; i++) {
      const w = s.wait('admin', '10.0.0.1');
      delays.push(w);
      s.advance(w);
      s.fail('admin', '10.0.0.1');
    }
    expect(delays).toEqual([2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900].map((x) => x * 1000));
  });

  it('a success clears the user-and-address record; successes never count', () => {
    const s = setup();
    for (let i = 0; i < 30; i++) s.start('admin', '10.0.0.1').end('succeeded');
    s.fail('admin', '10.0.0.1', 9);
    s.start('admin', '10.0.0.1').end('succeeded');
    s.fail('admin', '10.0.0.1', 9);
    expect(s.wait('admin', '10.0.0.1')).toBe(0);
  });

  it('another address is not delayed by a guesser until the per-user record (50 failures) starts, and then by at most a minute', () => {
    const s = setup();
    s.fail('admin', '10.0.0.1', 10);
    expect(s.wait('admin', '10.0.0.2')).toBe(0);
    for (let a = 3; a <= 6; a++) s.fail('admin', `10.0.0.${a}`, 10);
    expect(s.wait('admin', '10.0.0.9')).toBe(2000);
    for (let i = 0; i < 10; i++) {
      s.advance(s.wait('admin', '10.0.0.7'));
      s.fail('admin', '10.0.0.7');
    }
    expect(s.wait('admin', '10.0.0.9')).toBe(60_000);
  });

  it('parallel guesses past the free ones wait for the one in flight', () => {
    const s = setup();
    s.fail('admin', '10.0.0.1', 9);
    const inFlight = s.start('admin', '10.0.0.1');
    expect(s.wait('admin', '10.0.0.1')).toBeGreaterThan(0);
    inFlight.end('failed');
    expect(s.wait('admin', '10.0.0.1')).toBe(2000);
  });

  it('forgets a record an hour after its last failure', () => {
    const s = setup();
    s.fail('admin', '10.0.0.1', 10);
    expect(s.wait('admin', '10.0.0.1')).toBe(2000);
    s.advance(3_600_000);
    expect(s.wait('admin', '10.0.0.1')).toBe(0);
    s.fail('admin', '10.0.0.1', 10);
  });

  it('per address: 100 failures in 5 minutes, whatever the user names', () => {
    const s = setup();
    for (let i = 0; i < 100; i++) s.fail(`user${i}`, '10.0.0.1');
    expect(s.wait('someone', '10.0.0.1')).toBeGreaterThan(0);
    expect(s.wait('someone', '10.0.0.2')).toBe(0);
    s.advance(5 * 60_000);
    expect(s.wait('someone', '10.0.0.1')).toBe(0);
  });
});
