/**
 * The pure parts of templated config: a YAML source's problems and checks located by line,
 * `{{ variable }}` substitution (typed when a string is one placeholder, text inside a longer one,
 * a missing value named), and sealing secrets (AES-256-GCM: a fresh IV each time, tamper and a
 * wrong key refused, the key file read as hex or base64).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSource, pathOf, substitute } from '../../../collector/src/config-templates/template.ts';
import { readSecretKey, secretBox } from '../../../collector/src/config-templates/secrets.ts';
import { collectorConfigProblems } from '../../../collector/src/config/load.ts';

const tmp = mkdtempSync(join(tmpdir(), 'n3mon-template-unit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a template source', () => {
  const text = [
    'description: x',
    'include: [spine-eps]',
    'checks:',
    '  - kind: icmp',
    '    target: "{{ lanGateway }}"',
    '    role: lan-gateway',
    '  - { kind: tcp, target: "a:1", role: server }',
    '',
  ].join('\n');

  it('gives its checks, includes and the line of a check and of one of its keys', () => {
    const s = parseSource('template lan', text, 'template');
    expect(s.problems).toEqual([]);
    expect(s.include).toEqual(['spine-eps']);
    expect(s.checks).toHaveLength(2);
    expect(s.lineOf(0)).toBe(4);
    expect(s.lineOf(0, ['target'])).toBe(5);
    expect(s.lineOf(0, ['no-such-key'])).toBe(4);
    expect(s.lineOf(1, ['target'])).toBe(7);
    expect(s.includeLine(0)).toBe(2);
  });

  it('names the line of a YAML error and of an unknown key', () => {
    expect(parseSource('template t', 'checks:\n  - { kind: icmp\n', 'template').problems[0]).toMatch(/^template t line \d: /);
    expect(parseSource('template t', 'description: x\nchecksum: []\n', 'template').problems).toEqual([
      'template t line 2: checksum: unknown key (allowed: description, include, checks)',
    ]);
    expect(parseSource('extra checks', 'kind: icmp\n', 'list').problems).toEqual([
      'extra checks line 1: must be a YAML list of checks (- { kind: icmp, target: … })',
    ]);
  });

  it('turns a problem path into keys', () => {
    expect(pathOf('checks[2].interfaces[0].name: bad')).toEqual(['checks', 2, 'interfaces', 0, 'name']);
    expect(pathOf('headers["X-A"]: bad')).toEqual(['headers', 'X-A']);
  });
});

describe('substitution', () => {
  const values: Record<string, string | number> = { host: '127.0.0.1', port: 161 };
  it('keeps the type of a whole-string placeholder and writes text into a longer string', () => {
    const r = substitute({ target: '{{ host }}:{{port}}', port: '{{ port }}', nested: [{ a: ' {{ host }} ' }] }, (n) => values[n]);
    expect(r.problems).toEqual([]);
    expect(r.check).toEqual({ target: '127.0.0.1:161', port: 161, nested: [{ a: '127.0.0.1' }] });
    expect([...r.used].sort()).toEqual(['host', 'port']);
  });
  it('names a missing variable and a malformed placeholder at their path', () => {
    const r = substitute({ target: '{{ nope }}', labels: { site: 'x{{ nope2 }}' }, id: '{{ 1bad }}' }, (n) => values[n]);
    expect(r.problems).toEqual([
      'target: variable {{ nope }} has no value for this practice',
      'labels.site: variable {{ nope2 }} has no value for this practice',
      'id: a {{ … }} that is not a variable (names are letters, digits and _, starting with a letter)',
    ]);
  });
});

describe('secrets', () => {
  const key = randomBytes(32);
  const box = secretBox(key);
  it('seal with a fresh IV each time and open to the plaintext; the sealed text holds no plaintext', () => {
    const a = box.seal('public-community');
    const b = box.seal('public-community');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1:[\w-]+:[\w-]+:[\w-]+$/);
    expect(a).not.toContain('public-community');
    expect(box.open(a)).toBe('public-community');
  });
  it('refuse a tampered value and a wrong key, saying what to check', () => {
    const sealed = box.seal('s3cret');
    const parts = sealed.split(':');
    const body = Buffer.from(parts[3] as string, 'base64url');
    body[0] = (body[0] as number) ^ 1;
    const tampered = [parts[0], parts[1], parts[2], body.toString('base64url')].join(':');
    expect(() => box.open(tampered)).toThrow(/does not decrypt with configTemplates\.secretKeyFile/);
    expect(() => secretBox(randomBytes(32)).open(sealed)).toThrow(/was the key file replaced/);
  });
  it('read the key file as hex or base64, and refuse anything else', () => {
    const hex = join(tmp, 'hex.key');
    writeFileSync(hex, `${key.toString('hex')}\n`);
    expect(readSecretKey(hex).equals(key)).toBe(true);
    const b64 = join(tmp, 'b64.key');
    writeFileSync(b64, key.toString('base64'));
    expect(readSecretKey(b64).equals(key)).toBe(true);
    const short = join(tmp, 'short.key');
    writeFileSync(short, 'abcd');
    expect(() => readSecretKey(short)).toThrow(/must hold 32 random bytes/);
    expect(() => readSecretKey(join(tmp, 'missing.key'))).toThrow(/configTemplates\.secretKeyFile: cannot read .*ENOENT/);
  });
  it('a collector config naming an unusable key file is refused by the config check (n3mon check-config), not at the first secret', () => {
    expect(collectorConfigProblems({ configTemplates: { secretKeyFile: join(tmp, 'hex.key') } })).toEqual([]);
    expect(collectorConfigProblems({ configTemplates: { secretKeyFile: join(tmp, 'short.key') } })).toEqual([
      expect.stringMatching(/^configTemplates\.secretKeyFile: .* must hold 32 random bytes/),
    ]);
  });
});
