/**
 * A collector app on a tmp data dir with the real SQLite series store and meta.db, driven through
 * inject() or a real socket on 127.0.0.1. Log lines are kept (as objects) for assertions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { buildApp } from '../../../collector/src/app.ts';
import { openSeriesStore } from '../../../collector/src/collector.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { openMeta, type Meta } from '../../../collector/src/meta/index.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';
import type { TypedApp } from '../../../collector/src/context.ts';
import type { SeriesStore } from '../../../collector/src/storage/types.ts';
import type { CollectorConfig } from '../../../collector/src/config/schema.ts';
import { createLogger } from '../../../shared/src/log.ts';
import type { WireSample } from '../../../shared/src/wire.ts';

export const PRACTICES = [
  { ods: 'A81001', name: 'Example Surgery', sites: [{ name: 'Main' }, { name: 'Branch' }] },
  { ods: 'B82002', name: 'Riverside Medical Centre', sites: [] },
];

export interface Harness {
  dir: string;
  config: CollectorConfig;
  meta: Meta;
  store: SeriesStore;
  app: TypedApp;
  logs: Record<string, unknown>[];
  logText(): string;
  token(practice: string, agent?: string): Promise<string>;
  key(role: 'servicedesk' | 'practice', practice?: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(opts: { practices?: typeof PRACTICES } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-collector-'));
  const logs: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) {
        if (line === '') continue;
        raw.push(line);
        logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination });
  const config = parseCollectorConfig(
    { dataDir: dir, listen: { port: 0 }, practices: opts.practices ?? PRACTICES, storage: { synchronous: 'normal' } },
    'test',
  );
  const meta = openMeta({ dataDir: dir });
  await meta.practices.syncFromConfig(config.practices, Date.now());
  const store = openSeriesStore(config, log);
  const app = await buildApp({ config, log, store, meta });
  return {
    dir,
    config,
    meta,
    store,
    app,
    logs,
    logText: () => raw.join('\n'),
    token: async (practice, agent = 'srv1') => (await createAgentToken(meta, { practice, agent })).token,
    key: async (role, practice) => (await createApiKey(meta, { role, ...(practice === undefined ? {} : { practice }) })).key,
    close: async () => {
      await app.close();
      await store.close();
      void meta.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A batch body of `n` samples of one realistic series set, timestamps from `t0` one second apart. */
export function batch(batchId: string, samples: WireSample[]): { batchId: string; samples: WireSample[] } {
  return { batchId, samples };
}

export function rtt(target: string, ts: number, value: number): WireSample {
  return { metric: 'icmp_rtt_avg_ms', labels: { check: `icmp:${target}`, role: 'lan-gateway', target }, ts, value };
}

export function gz(body: unknown): Buffer {
  return gzipSync(typeof body === 'string' ? body : JSON.stringify(body));
}

export function bearer(credential: string): Record<string, string> {
  return { authorization: `Bearer ${credential}` };
}
