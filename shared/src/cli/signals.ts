/** Long-running commands (`up`, `collector`, `agent`) stop gracefully on the first SIGINT/SIGTERM. */
import type { Logger } from '../log.ts';

/**
 * Resolves with the signal's name on the first SIGINT or SIGTERM. A second signal exits at once
 * (130): everything acknowledged is already durable, so an impatient operator loses nothing.
 */
export function waitForStopSignal(log: Logger): Promise<string> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      process.once('SIGINT', second);
      process.once('SIGTERM', second);
      resolve(signal);
    };
    const second = (signal: NodeJS.Signals): void => {
      log.warn({ signal }, 'second signal: exiting without waiting for the graceful stop');
      process.exit(130);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });
}
