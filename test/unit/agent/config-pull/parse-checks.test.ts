// A pulled `checks` list is validated by the same function as the local file's (agent/src/config/parse.ts),
// with the real probe registry: `checks[i].key: message` problems, defaults filled, ids set, frozen.
import { describe, expect, it } from 'vitest';
import { parseAgentConfig, parseChecks } from '../../../../agent/src/config/load.ts';
import { desAvailable } from '../../../../agent/src/probes/snmp/ciphers.ts';
import { MAX_APPLY_PROBLEM_LENGTH, PULL_INTERVAL_DEFAULT_MS, PULL_INTERVAL_MIN_MS } from '../../../../shared/src/pulled-config.ts';
import { safeProblem } from '../../../../agent/src/config-pull/merge.ts';

const collector = { url: 'http://127.0.0.1:8080', token: 'n3a_0123456789abcdef' };
const tcp = { kind: 'tcp', target: '127.0.0.1:443', role: 'national-app' };
const desCheck = {
  kind: 'snmp',
  target: '127.0.0.1',
  role: 'n3-gateway',
  version: '3',
  user: 'u',
  authProtocol: 'sha',
  authKey: 'authpass123',
  privProtocol: 'des',
  privKey: 'privpass123',
};

describe('parseChecks (a pulled config’s checks)', () => {
  it('fills defaults and ids like the local file, and freezes the result', () => {
    const r = parseChecks([
      { kind: 'tcp', target: '127.0.0.1:443', role: 'national-app', app: 'spine' },
      { kind: 'snmp', id: 'router', target: '127.0.0.1:16100', role: 'n3-gateway', version: '2c', community: 'c0mmunity' },
    ]);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.map((c) => c.id)).toEqual(['tcp:127.0.0.1:443', 'router']);
    expect(r.value[1]).toMatchObject({ intervalMs: 60_000, requestTimeoutMs: 1500, retries: 3 });
    expect(Object.isFrozen(r.value) && Object.isFrozen(r.value[0])).toBe(true);
  });

  it('says every problem as checks[i].key: message, the probe’s own rules included', () => {
    const r = parseChecks([tcp, tcp, desCheck, { kind: 'nope' }]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toContain('checks[3].kind: must be one of "icmp", "tcp", "dns", "http", "host", "snmp", "throughput" (got string "nope")');
    // Schema problems come first; with the shape right, the per-check rules:
    const cross = parseChecks([tcp, { ...tcp, timeoutMs: 70_000 }, desCheck]);
    expect(cross.ok).toBe(false);
    if (cross.ok) return;
    expect(cross.problems).toContain('checks[1].id: duplicate check id "tcp:127.0.0.1:443" (checks[0] has it too); give one of them a distinct id');
    expect(cross.problems).toContain('checks[1].timeoutMs: must be less than intervalMs (70000 >= 60000)');
    if (!desAvailable()) expect(cross.problems.some((p) => p.startsWith('checks[2].privProtocol: des is not available in this Node.js'))).toBe(true);
  });
});

describe('collector.config and collector.pullIntervalMs', () => {
  it('default to local and the contract’s interval; a local config still needs a check', () => {
    const c = parseAgentConfig({ collector, checks: [{ kind: 'host' }] }, 'agent.yaml');
    expect(c.collector).toMatchObject({ config: 'local', pullIntervalMs: PULL_INTERVAL_DEFAULT_MS });
    expect(() => parseAgentConfig({ collector }, 'agent.yaml')).toThrow(
      'checks: at least one check is needed (or set collector.config: pull to take the checks from the collector)',
    );
  });

  it('pull needs no local checks; the interval has a floor', () => {
    expect(parseAgentConfig({ collector: { ...collector, config: 'pull' } }, 'agent.yaml').checks).toEqual([]);
    expect(() => parseAgentConfig({ collector: { ...collector, config: 'pull', pullIntervalMs: 1000 } }, 'agent.yaml')).toThrow(
      `collector.pullIntervalMs: must be >= ${PULL_INTERVAL_MIN_MS}`,
    );
    expect(() => parseAgentConfig({ collector: { ...collector, config: 'push' }, checks: [{ kind: 'host' }] }, 'agent.yaml')).toThrow(
      'collector.config: must be one of "local", "pull" (got string "push")',
    );
  });
});

describe('an apply problem as sent to the collector and logged', () => {
  it('never echoes the value of a secret key, and is capped at the contract’s length', () => {
    const r = parseChecks([{ kind: 'snmp', target: '127.0.0.1', role: 'lan-gateway', version: '2c', community: 424242424242 }]);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems[0]).toContain('424242424242'); // the validator says what it got…
    expect(safeProblem(r.problems[0] as string)).toBe('checks[0].community: must be string (got [redacted])'); // …the problem line does not
    expect(safeProblem('checks[0].privProtocol: must be one of "des", "aes" (got string "3des")')).toContain('"3des"'); // not a secret
    expect(safeProblem(`checks[0].target: ${'x'.repeat(5000)}`)).toHaveLength(MAX_APPLY_PROBLEM_LENGTH);
  });
});
