// Agent config: schema problems and the cross-field rules, as the exact `path: message` lines.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkIdOf, effectiveTimeoutMs, parseAgentConfig } from '../../../agent/src/config/parse.ts';
import { readConfigSource } from '../../../shared/src/config-file.ts';
import { isN3monError, type N3monError } from '../../../shared/src/errors.ts';
import { fakeKind, targetlessKind } from './helpers/fakes.ts';

const ping = fakeKind('fakeping', async () => ({ outcome: 'success', samples: [] }), { defaultTimeoutMs: 5000 });
const host = targetlessKind('fakehost');
const PROBES = [ping, host];
const collector = { url: 'http://127.0.0.1:8080', token: 'tok-0123456789abcdef' };

function problemsOf(value: unknown): { message: string; problems: readonly string[] } {
  try {
    parseAgentConfig(value, 'agent.yaml', PROBES);
  } catch (err) {
    if (isN3monError(err, 'N3MON_ERR_CONFIG_INVALID')) return { message: (err as N3monError).message, problems: err.problems };
    throw err;
  }
  throw new Error('expected the config to be refused');
}

describe('parseAgentConfig', () => {
  it('fills defaults, gives every check its id and freezes the result', () => {
    const config = parseAgentConfig(
      {
        collector,
        checks: [
          { kind: 'fakeping', target: '10.200.0.1', role: 'lan-gateway' },
          { kind: 'fakehost' },
          { kind: 'fakeping', id: 'gw2', target: '10.200.0.1', role: 'n3-gateway' },
        ],
      },
      'agent.yaml',
      PROBES,
    );
    expect(config.checks.map((c) => c.id)).toEqual(['fakeping:10.200.0.1', 'fakehost', 'gw2']);
    expect(config.push).toEqual({ intervalMs: 5000, batchSamples: 5000, timeoutMs: 30_000, maxBackoffMs: 300_000 });
    expect(config.spool).toEqual({ dir: './data/agent', maxBytes: 512 * 1024 * 1024 });
    expect(Object.isFrozen(config) && Object.isFrozen(config.checks[0])).toBe(true);
  });

  it('lists every cross-field problem at once, each as `path: message`', () => {
    const { message, problems } = problemsOf({
      collector,
      checks: [
        { kind: 'fakeping', target: '10.200.0.1', role: 'lan-gateway', intervalMs: 5000, timeoutMs: 5000 },
        { kind: 'fakeping', target: '10.200.0.1', role: 'n3-gateway' },
        { kind: 'fakehost' },
        { kind: 'fakehost', labels: { practice: 'A81001', role: 'x', site: 'Branch' } },
        { kind: 'fakeping', id: 'big', target: '10.200.0.2', role: 'lan-gateway', count: 50 },
      ],
    });
    expect(problems).toEqual([
      'checks[0].timeoutMs: must be less than intervalMs (5000 >= 5000)',
      'checks[1].id: duplicate check id "fakeping:10.200.0.1" (checks[0] has it too); give one of them a distinct id',
      'checks[3].id: duplicate check id "fakehost" (checks[2] has it too); give one of them a distinct id',
      'checks[3].labels.practice: reserved label; the collector sets it from the token',
      'checks[3].labels.role: clashes with a label the agent sets itself',
      'checks[4].count: at most 10 when intervalMs < 10000',
    ]);
    expect(message.split('\n')[0]).toBe('agent.yaml: 6 problem(s)');
    expect(message.split('\n').slice(1)).toEqual(problems);
  });

  it('reports schema problems (unknown keys, unknown kinds) before any cross-field rule', () => {
    const { problems } = problemsOf({ collector: { ...collector, token: 'short' }, spool: { maxByte: 1 }, checks: [{ kind: 'nope' }] });
    expect(problems).toEqual([
      'collector.token: must not have fewer than 16 characters',
      'spool.maxByte: unknown key (allowed: dir, maxBytes)',
      'checks[0].kind: must be one of "fakeping", "fakehost" (got string "nope")',
    ]);
  });

  it('reads YAML through the shared reader; a bad file is N3MON_ERR_CONFIG_READ', () => {
    const dir = mkdtempSync(join(tmpdir(), 'n3mon-agent-config-'));
    dirs.push(dir);
    const file = join(dir, 'agent.yaml');
    writeFileSync(file, `collector: { url: "http://127.0.0.1:8080", token: "${collector.token}" }\nchecks:\n  - { kind: fakehost, intervalMs: 30000 }\n`);
    expect(parseAgentConfig(readConfigSource(file), file, PROBES).checks[0]).toMatchObject({ id: 'fakehost', intervalMs: 30000, role: 'server' });
    expect(() => readConfigSource(join(dir, 'missing.yaml'))).toThrow(/cannot read \(ENOENT\)/);
  });
});

describe('check ids and timeouts', () => {
  it('defaults the id to kind:target, or kind without a target', () => {
    expect(checkIdOf({ kind: 'tcp', target: '10.200.0.5:443' })).toBe('tcp:10.200.0.5:443');
    expect(checkIdOf({ kind: 'host' })).toBe('host');
    expect(checkIdOf({ kind: 'tcp', id: 'spine', target: 'x' })).toBe('spine');
  });

  it('keeps a default timeout below the interval', () => {
    expect(effectiveTimeoutMs({ kind: 'fakeping', intervalMs: 60_000 }, ping)).toBe(5000);
    expect(effectiveTimeoutMs({ kind: 'fakeping', intervalMs: 2000 }, ping)).toBe(1800);
    expect(effectiveTimeoutMs({ kind: 'fakeping', intervalMs: 2000, timeoutMs: 1500 }, ping)).toBe(1500);
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
