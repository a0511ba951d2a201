/**
 * Real traffic on `lo` at a steady rate: one TCP connection between two sockets on 127.0.0.1,
 * paced by the clock (the bytes owed so far are sent on each tick, so late timers do not lower
 * the average). Bounded in time (`maxMs`) and so in bytes. Loopback counts every byte once in and
 * once out. Used to show the SNMP probe a rate above the 10 Mbit/s snmpd reports for `lo`.
 *
 *   const t = await startLoopbackTraffic({ bitsPerSecond: 100e6, maxMs: 60_000 });
 *   try { … poll … } finally { await t.stop(); }
 */
import { connect, createServer, type Socket } from 'node:net';

export interface LoopbackTraffic {
  /** Bytes written so far. */
  bytes(): number;
  /** Ends the transfer and closes both sockets; safe to call twice. */
  stop(): Promise<void>;
}

export interface LoopbackTrafficOptions {
  bitsPerSecond: number;
  /** Stop on its own after this long, whatever the caller does. */
  maxMs: number;
  tickMs?: number;
}

export async function startLoopbackTraffic(opts: LoopbackTrafficOptions): Promise<LoopbackTraffic> {
  const accepted = new Set<Socket>();
  const server = createServer((sock) => {
    accepted.add(sock);
    sock.on('error', () => sock.destroy()); // the sender went away: nothing to read any more
    sock.once('close', () => accepted.delete(sock));
    sock.resume();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  client.on('error', () => client.destroy()); // stop() closed the server first: nothing to send to

  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const started = performance.now();
  let sent = 0;
  const tick = (): void => {
    const elapsedMs = performance.now() - started;
    if (elapsedMs >= opts.maxMs) return void stop();
    // Owed bytes, but never more than a second's worth queued in the socket at once.
    let owed = Math.min((opts.bitsPerSecond / 8) * (elapsedMs / 1000) - sent, opts.bitsPerSecond / 8);
    while (owed > 0 && client.writableLength < opts.bitsPerSecond / 8) {
      const part = owed >= chunk.length ? chunk : chunk.subarray(0, Math.ceil(owed));
      client.write(part);
      sent += part.length;
      owed -= part.length;
    }
  };
  const timer = setInterval(tick, opts.tickMs ?? 20);

  let stopping: Promise<void> | undefined;
  function stop(): Promise<void> {
    stopping ??= (async () => {
      clearInterval(timer);
      client.destroy();
      for (const s of accepted) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })();
    return stopping;
  }
  return { bytes: () => sent, stop };
}
