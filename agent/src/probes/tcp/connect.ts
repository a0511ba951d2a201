/**
 * One TCP handshake, timed: the I/O of the tcp probe. Resolves (never rejects) with the connect
 * time or the error code; the socket is destroyed on every path, and an abort or the timeout
 * ends it at once.
 */
import { Socket } from 'node:net';
import type { Clock } from '../../../../shared/src/clock.ts';

export type ConnectResult = { ok: true; connectMs: number } | { ok: false; code: string; message: string };

export interface ConnectOptions {
  /** An IP address (resolve names first: the handshake time excludes DNS). */
  address: string;
  port: number;
  signal: AbortSignal;
  timeoutMs: number;
  clock: Clock;
}

export function tcpConnect(opts: ConnectOptions): Promise<ConnectResult> {
  const { address, port, signal, timeoutMs, clock } = opts;
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve({ ok: false, code: 'ABORTED', message: 'aborted before connecting' });
      return;
    }
    const socket = new Socket();
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ConnectResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, code: 'ABORTED', message: `aborted while connecting to ${address}:${port}` });
    signal.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => finish({ ok: false, code: 'ETIMEDOUT', message: `no handshake with ${address}:${port} within ${timeoutMs} ms` }), timeoutMs);
    // Kept for the socket's whole life (not `once`): an error after finish() must not be unhandled.
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, code: err.code ?? 'UNKNOWN', message: err.message }));
    const t0 = clock.monotonic();
    socket.once('connect', () => finish({ ok: true, connectMs: clock.monotonic() - t0 }));
    socket.connect({ host: address, port });
  });
}
