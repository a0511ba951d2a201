/**
 * Waiting for a condition with a bounded deadline, never for a number of milliseconds: the
 * asynchronous sibling of the `until` loops in the integration tests, for conditions read over
 * HTTP (an alert raised, a report filled). A test that waits this way passes as soon as the
 * system is right, on a fast machine or a loaded one, and fails with what it last saw.
 */

export interface WaitOptions {
  /** Give up after this long (the error says what was waited for and what was last seen). */
  timeoutMs: number;
  /** Pause between attempts (default 500 ms). */
  intervalMs?: number;
}

/**
 * Calls `probe` until it returns something other than undefined, and resolves with that. On
 * timeout the error says what was awaited and `describe()` (what the probe last saw) or, without
 * it, the probe's last error. A probe that throws is retried (a server still starting).
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: WaitOptions & { describe?: () => string }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const seen = opts.describe?.() ?? (lastError === undefined ? '' : String(lastError instanceof Error ? lastError.message : lastError));
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${seen === '' ? '' : `\nlast seen: ${seen}`}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
