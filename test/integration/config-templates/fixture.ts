/**
 * A real collector (startCollector, SQLite, meta.db) on a tmp data dir with a secret key file,
 * three practices, a servicedesk key, a practice key and agent tokens; its pino lines captured as
 * text so a test can look for a secret in them. Driven through inject().
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { createLogger } from '../../../shared/src/log.ts';
import { parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { startCollector, type RunningCollector } from '../../../collector/src/collector.ts';
import { createAgentToken, createApiKey } from '../../../collector/src/auth/credentials.ts';

export const A = 'A81001';
export const B = 'B82002';
export const C = 'C83003';

export interface Lab {
  c: RunningCollector;
  dir: string;
  keyFile: string;
  /** Every log line so far, as text. */
  logs(): string;
  desk: Record<string, string>;
  deskKeyId: string;
  practiceKey: Record<string, string>;
  agent(practice: string, name: string): Promise<Record<string, string>>;
  call(opts: InjectOptions): Promise<LightMyRequestResponse>;
  restart(opts: { withKey: boolean }): Promise<void>;
  close(): Promise<void>;
}

function configOf(dir: string, keyFile: string | undefined) {
  return parseCollectorConfig(
    {
      dataDir: dir,
      listen: { host: '127.0.0.1', port: 0 },
      practices: [
        { ods: A, name: 'Example Surgery' },
        { ods: B, name: 'Riverside Medical Centre' },
        { ods: C, name: 'Hillside Practice' },
      ],
      storage: { synchronous: 'normal' },
      alerting: { tickMs: 60_000 },
      configTemplates: keyFile === undefined ? {} : { secretKeyFile: keyFile },
    },
    'test',
  );
}

export async function startLab(): Promise<Lab> {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-templates-'));
  const keyFile = join(dir, 'secret.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const log = createLogger({ level: 'trace', destination: sink });
  let c = await startCollector(configOf(dir, keyFile), { log });
  const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
  const deskKey = await createApiKey(c.meta, { role: 'servicedesk', label: 'desk' });
  const practiceKey = bearer((await createApiKey(c.meta, { role: 'practice', practice: A })).key);
  const tokens = new Map<string, string>();
  return {
    get c() {
      return c;
    },
    dir,
    keyFile,
    logs: () => lines.join(''),
    desk: bearer(deskKey.key),
    deskKeyId: deskKey.id,
    practiceKey,
    async agent(practice, name) {
      const k = `${practice}/${name}`;
      let t = tokens.get(k);
      if (t === undefined) tokens.set(k, (t = (await createAgentToken(c.meta, { practice, agent: name })).token));
      return bearer(t);
    },
    call: (opts) => c.app.inject(opts),
    async restart({ withKey }) {
      await c.stop({ graceMs: 1000 });
      c = await startCollector(configOf(dir, withKey ? keyFile : undefined), { log });
    },
    async close() {
      await c.stop({ graceMs: 1000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
