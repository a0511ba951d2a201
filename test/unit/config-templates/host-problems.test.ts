// What the agent's machine can do is the agent's to judge: the collector validates rendered checks
// with the agent's rules but not the probes' host checks (SNMPv3 des where OpenSSL 3 has no DES).
import { describe, expect, it } from 'vitest';
import { parseChecks } from '../../../agent/src/config/parse.ts';
import { CHECK_KINDS } from '../../../agent/src/probes/check-kinds.ts';
import { validateChecks } from '../../../collector/src/config-templates/validate.ts';

const des = {
  kind: 'snmp',
  target: '127.0.0.1:16161',
  role: 'n3-gateway',
  version: '3',
  user: 'ro',
  authProtocol: 'sha',
  authKey: 'authpass123',
  privProtocol: 'des',
  privKey: 'privpass123',
};

describe('host problems (what this Node can do)', () => {
  it("the collector publishes a des check whatever its own Node's ciphers; the agent's own parse judges them", () => {
    expect(validateChecks([des])).toEqual([]);
    // On a machine without DES the agent refuses it (and rolls a pulled version back); with it, not.
    const noDes = parseChecks([des], CHECK_KINDS, { host: true });
    const kind = CHECK_KINDS.find((k) => k.kind === 'snmp');
    const hostSays = kind?.hostProblems?.(des as never) ?? [];
    expect(noDes.ok).toBe(hostSays.length === 0);
    if (!noDes.ok) expect(noDes.problems).toEqual([expect.stringMatching(/^checks\[0\]\.privProtocol: des is not available in this Node\.js/)]);
  });

  it('still refuses what no machine could run', () => {
    expect(validateChecks([{ ...des, privKey: undefined }])).toEqual([expect.stringMatching(/^checks\[0\]\.privKey: required when privProtocol is set/)]);
  });
});
