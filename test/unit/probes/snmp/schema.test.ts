import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { agentConfigSchema } from '../../../../agent/src/config/schema.ts';
import { icmpProbe } from '../../../../agent/src/probes/icmp/index.ts';
import { snmpProbe } from '../../../../agent/src/probes/snmp/index.ts';
import { cipherProblems } from '../../../../agent/src/probes/snmp/ciphers.ts';
import { validateSnmpCheck, type SnmpCheck } from '../../../../agent/src/probes/snmp/schema.ts';
import { sessionParams } from '../../../../agent/src/probes/snmp/probe.ts';
import { createLogger } from '../../../../shared/src/log.ts';
import { parseWithSchema } from '../../../../shared/src/validate.ts';
import type { ProbeKind } from '../../../../agent/src/probes/types.ts';

const schema = agentConfigSchema([icmpProbe, snmpProbe] as ProbeKind[]);
const collector = { url: 'http://127.0.0.1:8080', token: 'x'.repeat(32) };

// The two SNMP checks of PRODUCT.md's agent.yaml, with placeholder secrets filled in.
const V2C = { kind: 'snmp', target: '192.0.2.1:161', role: 'lan-gateway', version: '2c', community: 'c0mmunity', intervalMs: 60000 };
const V3 = {
  kind: 'snmp',
  target: '192.0.2.2:161',
  role: 'n3-gateway',
  version: '3',
  user: 'n3mon',
  authProtocol: 'sha',
  authKey: 'authpass123',
  privProtocol: 'aes',
  privKey: 'privpass123',
  intervalMs: 60000,
};

function problems(check: Record<string, unknown>): string[] {
  const r = parseWithSchema(schema, { collector, checks: [check] });
  return r.ok ? [] : r.problems;
}

function parsed(check: Record<string, unknown>): SnmpCheck {
  const r = parseWithSchema(snmpProbe.schema, check);
  if (!r.ok) throw new Error(r.problems.join('\n'));
  return r.value as SnmpCheck;
}

describe('snmp check config', () => {
  it('accepts the v2c and v3 checks of PRODUCT.md and fills in the defaults', () => {
    expect(problems(V2C)).toEqual([]);
    expect(problems(V3)).toEqual([]);
    expect(parsed(V2C)).toMatchObject({ requestTimeoutMs: 1500, retries: 3, maxRepetitions: 25, intervalMs: 60000 });
  });

  it('a v3 check without a user is a config error, explained against the v3 branch', () => {
    const { user: _user, ...noUser } = V3;
    expect(problems(noUser)).toEqual(['checks[0].user: missing required key']);
  });

  it('v1/v2c need a community; v3 keys are unknown to them', () => {
    const { community: _c, ...noCommunity } = V2C;
    expect(problems(noCommunity)).toEqual(['checks[0].community: missing required key']);
    expect(problems({ ...V2C, user: 'x' })).toEqual([expect.stringMatching(/^checks\[0\]\.user: unknown key/)]);
  });

  it('says which versions exist (YAML `version: 3` is a number, and wrong)', () => {
    expect(problems({ ...V3, version: 3 })).toEqual(['checks[0].version: must be one of "1", "2c", "3" (got number 3)']);
  });

  it('checks protocols and key lengths by name', () => {
    expect(problems({ ...V3, privProtocol: 'aes192' })).toEqual([expect.stringMatching(/^checks\[0\]\.privProtocol: /)]);
    expect(problems({ ...V3, authKey: 'short' })).toEqual([expect.stringMatching(/^checks\[0\]\.authKey: /)]);
  });
});

describe('validateSnmpCheck (cross-field rules)', () => {
  it('wants authProtocol with authKey, privProtocol with privKey, and auth before priv', () => {
    const { authProtocol: _a, ...noAuthProto } = V3;
    expect(validateSnmpCheck(parsed(noAuthProto))).toEqual(['authProtocol: required when authKey is set']);
    const { privKey: _p, ...noPrivKey } = V3;
    expect(validateSnmpCheck(parsed(noPrivKey))).toEqual(['privKey: required when privProtocol is set']);
    const { authProtocol: _x, authKey: _y, ...privOnly } = V3;
    expect(validateSnmpCheck(parsed(privOnly))).toEqual(['privProtocol: privacy needs authentication too (set authProtocol and authKey)']);
    const { privProtocol: _m, privKey: _n, ...authNoPriv } = V3;
    expect(validateSnmpCheck(parsed(authNoPriv))).toEqual([]);
    expect(validateSnmpCheck(parsed({ kind: 'snmp', target: 'sw1', role: 'lan-gateway', version: '3', user: 'ro' }))).toEqual([]);
  });

  it('says clearly when this Node cannot do DES — as a host problem, not a rule of the check', () => {
    const des = parsed({ ...V3, privProtocol: 'des' });
    expect(cipherProblems(des, { desAvailable: () => false })).toEqual([
      expect.stringMatching(/^privProtocol: des is not available in this Node\.js .*--openssl-legacy-provider/),
    ]);
    expect(cipherProblems(des, { desAvailable: () => true })).toEqual([]);
    // The same on every machine: the check's own rules say nothing of this Node's ciphers.
    expect(validateSnmpCheck(des)).toEqual([]);
  });

  it('wants exactly one of name, alias, index per interface selector, and valid patterns', () => {
    const c = parsed({
      ...V2C,
      interfaces: [{ name: 'Gi*', index: 3 }, { role: 'n3-gateway' }, { alias: '/([/' }, { name: 'Dialer0', role: 'n3-gateway', inBps: 80e6, outBps: 20e6 }],
    });
    expect(validateSnmpCheck(c)).toEqual([
      'interfaces[0]: set exactly one of name, alias, index (got name, index)',
      'interfaces[1]: set exactly one of name, alias, index (got none)',
      expect.stringMatching(/^interfaces\[2\]\.alias: not a valid pattern/),
    ]);
  });

  it('checks the port in the target', () => {
    expect(validateSnmpCheck(parsed({ ...V2C, target: 'sw1:70000' }))).toEqual(['target: port must be 1..65535 (got 70000)']);
    expect(sessionParams(parsed({ ...V2C, target: '[fd00::1]:1161' }))).toMatchObject({ host: '[fd00::1]', port: 1161 });
    expect(sessionParams(parsed({ ...V2C, target: 'switch-1.example.invalid' }))).toMatchObject({ host: 'switch-1.example.invalid', port: 161 });
  });
});

describe('default run timeout', () => {
  it('leaves room for retries, and always stays inside the interval', () => {
    expect(snmpProbe.defaultTimeoutMs(parsed(V2C) as never)).toBe(30_000);
    expect(snmpProbe.defaultTimeoutMs(parsed({ ...V2C, intervalMs: 10_000 }) as never)).toBe(9_000);
    expect(snmpProbe.defaultTimeoutMs(parsed({ ...V2C, intervalMs: 600_000, requestTimeoutMs: 5000, retries: 5 }) as never)).toBe(120_000);
  });
});

describe('secrets', () => {
  it('are never part of the labels', () => {
    for (const c of [parsed(V2C), parsed(V3)]) {
      const labels = Object.values(snmpProbe.baseLabels(c as never)).join(' ');
      for (const secret of ['c0mmunity', 'authpass123', 'privpass123']) expect(labels).not.toContain(secret);
    }
  });

  it('are redacted by the logger under their config key names, even if a whole check is logged', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) });
    const log = createLogger({ destination: sink, level: 'info' });
    log.info({ check: parsed(V3) }, 'check');
    log.info({ check: parsed(V2C) }, 'check');
    const text = lines.join('');
    for (const secret of ['c0mmunity', 'authpass123', 'privpass123']) expect(text).not.toContain(secret);
    expect(text).toContain('"user":"n3mon"');
  });
});
