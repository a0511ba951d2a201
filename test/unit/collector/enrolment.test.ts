// What agent and collector both read for enrolment. Enrolment codes and credential rotation on
// the state database are in test/integration/state/credentials.test.ts (both engines).
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../collector/src/routes/enrolment/service.ts';
import { agentUserAgent, parseAgentUserAgent } from '../../../shared/src/agent-credential.ts';
import { parseAgentConfig } from '../../../agent/src/config/load.ts';
import { isN3monError } from '../../../shared/src/errors.ts';

describe('the agent version and credential file, as both sides read them', () => {
  it('User-Agent round-trips; other clients are not agents', () => {
    expect(parseAgentUserAgent(agentUserAgent('0.1.0', 'win32', 'x64'))).toEqual({ version: '0.1.0', platform: 'win32-x64' });
    expect(parseAgentUserAgent('curl/8.5.0')).toBeUndefined();
    expect(parseAgentUserAgent(undefined)).toBeUndefined();
  });

  it('an agent config names exactly one of collector.token and collector.tokenFile', () => {
    const checks = [{ kind: 'host' }];
    const problem = (collector: object): string => {
      try {
        parseAgentConfig({ collector: { url: 'http://127.0.0.1:1', ...collector }, checks }, 't');
        return 'ok';
      } catch (err) {
        return isN3monError(err) ? err.message : String(err);
      }
    };
    expect(problem({ tokenFile: '/etc/n3mon/agent.token' })).toBe('ok');
    expect(problem({})).toMatch(/give exactly one of token .* and tokenFile/);
    expect(problem({ token: 'x'.repeat(20), tokenFile: '/etc/n3mon/agent.token' })).toMatch(/exactly one/);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('1 week')).toBeUndefined();
  });
});
