/** Time as a seam (STYLE habit 6): pure logic and schedulers take a Clock, tests pass a fake. */
export interface Clock {
  /** Wall clock, epoch ms (sample timestamps). */
  now(): number;
  /** Monotonic ms for durations (never goes back when the wall clock is stepped). */
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};
