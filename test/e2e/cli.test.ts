// The CLI contract: --help everywhere, unknown commands and flags are errors, check-config prints
// every problem as `path: message` and exits 0 or 1.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/index.ts';
import { runCli } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'n3mon-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('n3mon CLI', () => {
  it('lists its commands with --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toContain(c.name);
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help prints usage and exits 0', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/usage: n3mon /);
  });

  it('refuses an unknown command and an unknown flag (exit 2)', async () => {
    const a = await runCli(['frobnicate']);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("unknown command 'frobnicate'");
    const b = await runCli(['up', '--prot', '1']);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("Unknown option '--prot'");
    // Every command made of subcommands names the ones it knows; bare, it prints its help and exits 2.
    for (const [name, known] of [
      ['token', 'create, list, revoke'],
      ['apikey', 'create, list, revoke'],
      ['enrolment', 'create, list, revoke'],
      ['agents', 'list, revoke'],
      ['user', 'create, list, set-role, password, disable, enable'],
    ] as const) {
      const c = await runCli([name, 'frobnicate']);
      expect(c.code, name).toBe(2);
      expect(c.stderr).toContain(`unknown subcommand 'frobnicate' (${known})`);
      const bare = await runCli([name]);
      expect(bare.code, name).toBe(2);
      expect(bare.stdout).toMatch(/usage/i);
    }
  });

  describe('check-config', () => {
    it('accepts a valid agent config', async () => {
      const f = file(
        'agent.yaml',
        'collector: { url: "http://127.0.0.1:8080", token: "n3a_0123456789ab_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ" }\nchecks:\n  - { kind: icmp, target: "127.0.0.1", role: lan-gateway }\n',
      );
      const r = await runCli(['check-config', f]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ok — agent config, 1 check\(s\) \(icmp\)/);
    });

    it('prints every problem of an agent config as path: message', async () => {
      const f = file(
        'bad-agent.yaml',
        [
          'collector: { url: "ftp://x", token: "short" }',
          'spool: { maxBytes: 10, colour: blue }',
          'checks:',
          '  - { kind: icmp, role: lan-gateway }',
          '  - { kind: pingg, target: "127.0.0.1" }',
          '  - { kind: tcp, target: "127.0.0.1:80", role: core }',
        ].join('\n'),
      );
      const r = await runCli(['check-config', f]);
      expect(r.code).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines[0]).toBe(`${f}: 7 problem(s) in this agent config`);
      expect(lines.slice(1)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^collector\.url: /),
          expect.stringMatching(/^collector\.token: /),
          expect.stringMatching(/^spool\.maxBytes: must be >= /),
          'spool.colour: unknown key (allowed: dir, maxBytes)',
          'checks[0].target: missing required key',
          expect.stringMatching(/^checks\[1\]\.kind: must be one of "icmp", .*\(got string "pingg"\)$/),
          expect.stringMatching(/^checks\[2\]\.role: /),
        ]),
      );
    });

    it('accepts a valid collector config and explains a bad one', async () => {
      const good = file('collector.yaml', 'listen: { host: 127.0.0.1, port: 8080 }\npractices:\n  - { ods: A81001, name: "Example Surgery" }\n');
      const r = await runCli(['check-config', good]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/ok — collector config, 1 practice\(s\)/);
      const bad = file('bad-collector.yaml', 'listen: { port: 99999 }\npractices:\n  - { ods: a1, name: "" }\n');
      const b = await runCli(['check-config', bad]);
      expect(b.code).toBe(1);
      expect(b.stderr).toMatch(/^listen\.port: must be <= 65535$/m);
      expect(b.stderr).toMatch(/^practices\[0\]\.ods: /m);
      expect(b.stderr).toMatch(/^practices\[0\]\.name: must not be empty$/m);
      const dup = file('dup-collector.yaml', 'practices:\n  - { ods: A81001, name: X }\n  - { ods: A81001, name: Y }\n');
      const d = await runCli(['check-config', dup]);
      expect(d.code).toBe(1);
      expect(d.stderr).toMatch(/^practices\[1\]\.ods: /m);
    });

    it('says where a YAML file is broken, and that a missing file is missing', async () => {
      const broken = file('broken.yaml', 'checks:\n  - { kind: icmp\n');
      const r = await runCli(['check-config', broken]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/not valid YAML\nline \d+, column \d+: /);
      const m = await runCli(['check-config', join(dir, 'nope.yaml')]);
      expect(m.code).toBe(1);
      expect(m.stderr).toMatch(/nope\.yaml: cannot read \(ENOENT\)/);
    });
  });
});
