import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectorConfigProblems, loadCollectorConfig, parseCollectorConfig } from '../../../collector/src/config/load.ts';
import { CollectorConfigSchema } from '../../../collector/src/config/schema.ts';
import { isN3monError } from '../../../shared/src/errors.ts';

function problemsThrown(fn: () => unknown): { message: string; problems: readonly string[] } {
  try {
    fn();
  } catch (err) {
    if (isN3monError(err, 'N3MON_ERR_CONFIG_INVALID')) return { message: err.message, problems: err.problems };
    throw err;
  }
  throw new Error('expected N3MON_ERR_CONFIG_INVALID');
}

describe('collector config', () => {
  it('fills every default from an empty file and freezes the result', () => {
    const c = parseCollectorConfig({}, 'collector.yaml');
    // The sections this module owns (alerting and reports add theirs beside them).
    expect(c).toMatchObject({
      listen: { host: '127.0.0.1', port: 8080 },
      dataDir: './data',
      organisation: { name: 'n3mon' },
      practices: [],
      storage: { backend: 'sqlite', synchronous: 'full', retention: { rawDays: 14, minuteDays: 92, hourDays: 800 }, maintenanceIntervalMs: 60_000 },
      ingest: { batchIdRetentionDays: 7 },
      log: { level: 'info' },
      // collector/src/notifications/config.ts
      thresholds: {},
      calendar: { timeZone: 'Europe/London', days: [1, 2, 3, 4, 5], start: '08:00', end: '18:30', division: 'england-and-wales' },
      alerting: { stepMs: 60_000, graceMs: 120_000, tickMs: 5000, initialLookbackMs: 21_600_000, groupWaitMs: 30_000, reopenWithinMs: 600_000 },
      notifications: [],
    });
    expect(Object.isFrozen(c.storage.retention)).toBe(true);
  });

  it('reads the PRODUCT.md example keys (minus notifications, which alerting adds)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-cfg-'));
    const file = join(dir, 'collector.yaml');
    writeFileSync(
      file,
      [
        'listen: { host: "127.0.0.1", port: 8080 }',
        'dataDir: "./data"',
        'organisation: { name: "Example ICB" }',
        'practices:',
        '  - { ods: "A81001", name: "Example Surgery", sites: [ { name: "Main" }, { name: "Branch" } ] }',
        'storage: { backend: sqlite, retention: { rawDays: 7, minuteDays: 62, hourDays: 730 } }',
      ].join('\n'),
    );
    const c = loadCollectorConfig(file);
    rmSync(dir, { recursive: true, force: true });
    expect(c.organisation.name).toBe('Example ICB');
    expect(c.practices).toEqual([{ ods: 'A81001', name: 'Example Surgery', sites: [{ name: 'Main' }, { name: 'Branch' }] }]);
    expect(c.storage.retention).toEqual({ rawDays: 7, minuteDays: 62, hourDays: 730 });
  });

  it('lists every schema problem as path: message, unknown keys included', () => {
    const bad = {
      listen: { host: '', port: 70000 },
      organisation: { name: 'x', region: 'north' },
      practices: [{ ods: 'a81001', name: 'Lower' }, { ods: 'B82002' }],
      storage: { backend: 'influx', retention: { rawDays: 0 } },
      log: { level: 'loud' },
      extra: true,
    };
    expect(collectorConfigProblems(bad)).toEqual([
      'listen.host: must not be empty',
      'listen.port: must be <= 65535',
      'organisation.region: unknown key (allowed: name)',
      'practices[0].ods: must match pattern "^[A-Z0-9]{3,10}$"',
      'practices[1].name: missing required key',
      'storage.url: missing required key', // backend influx: its own keys (storage/influx/config.ts)
      'storage.database: missing required key',
      'storage.retention.rawDays: must be >= 1',
      'log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent" (got string "loud")',
      `extra: unknown key (allowed: ${Object.keys(CollectorConfigSchema.properties).join(', ')})`,
    ]);
    const thrown = problemsThrown(() => parseCollectorConfig(bad, 'c.yaml'));
    expect(thrown.message.split('\n')[0]).toBe('c.yaml: 10 problem(s)');
    expect(thrown.problems).toHaveLength(10);
  });

  it('reports cross-field problems: duplicate ODS codes and sites, retention order', () => {
    const value = {
      practices: [
        { ods: 'A81001', name: 'One', sites: [{ name: 'Main' }, { name: 'main' }] },
        { ods: 'B82002', name: 'Two' },
        { ods: 'A81001', name: 'Again' },
      ],
      storage: { retention: { rawDays: 30, minuteDays: 20, hourDays: 10 } },
    };
    const expected = [
      'practices[0].sites[1].name: duplicate site "main" (also sites[0])',
      'practices[2].ods: duplicate ODS code "A81001" (also practices[0])',
      'storage.retention.minuteDays: must be at least rawDays (30)',
      'storage.retention.hourDays: must be at least minuteDays (20)',
    ];
    expect(collectorConfigProblems(value)).toEqual(expected);
    const thrown = problemsThrown(() => parseCollectorConfig(value, 'collector.yaml'));
    expect(thrown.problems).toEqual(expected);
    expect(thrown.message).toBe(`collector.yaml: 4 problem(s)\n${expected.join('\n')}`);
  });
});
