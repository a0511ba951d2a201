/**
 * The shipped national application catalogue (deploy/catalogue/): every entry loads, is judged by
 * rules of the default profile in its area, and renders and passes the agent's own validation with
 * loopback values; its endpoints are variables, so nothing in it names a real service. A broken
 * entry stops the load with `file: path: message`.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultCatalogueDir, exampleProblems, loadCatalogue } from '../../../collector/src/config-templates/catalogue.ts';
import { substitute } from '../../../collector/src/config-templates/template.ts';
import { validateChecks } from '../../../collector/src/config-templates/validate.ts';

const catalogue = loadCatalogue();
const tmp = mkdtempSync(join(tmpdir(), 'n3mon-catalogue-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A loopback value for a variable, by the shape its example has. */
function loopback(example: string | number): string | number {
  if (typeof example === 'number') return example;
  if (/^https?:\/\//.test(example)) return 'http://127.0.0.1:9/health';
  if (/:\d+$/.test(example)) return `127.0.0.1:${example.split(':').at(-1)}`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(example)) return '127.0.0.53';
  return 'localhost';
}

describe('the national application catalogue', () => {
  it('has the national services a practice depends on', () => {
    expect([...catalogue.keys()].sort()).toEqual(
      ['clinical-system', 'ers', 'hscn-dns', 'nhs-login', 'nhsmail', 'spine-eps', 'spine-gp2gp', 'spine-pds', 'spine-scr', 'spine-sds'].sort(),
    );
    expect(readdirSync(defaultCatalogueDir()).filter((f) => f.endsWith('.yaml'))).toHaveLength(catalogue.size);
  });

  it.each([...catalogue.keys()])('%s renders with loopback values and passes the agent validation', (name) => {
    const { entry, source } = catalogue.get(name)!;
    const values = Object.fromEntries(Object.entries(entry.variables).map(([k, v]) => [k, loopback(v.example)]));
    expect(exampleProblems(entry, source, values)).toEqual([]);
    const rendered = entry.checks.map((c) => substitute(c, (n) => values[n]).check);
    expect(validateChecks(rendered)).toEqual([]);
    for (const c of rendered) {
      expect(c).toMatchObject({ app: entry.app, role: entry.role });
      expect(JSON.stringify(c)).toMatch(/127\.0\.0\.|localhost/);
    }
    // Every endpoint is a variable: the file itself names no host but documentation ones.
    for (const c of entry.checks) expect(String(c.target)).toMatch(/^\{\{ \w+ \}\}$/);
    for (const v of Object.values(entry.variables)) expect(String(v.example)).toMatch(/\.invalid\b|^192\.0\.2\.|^198\.51\.100\.|^203\.0\.113\./);
  });

  it('refuses an entry whose rule is not in the default profile, or whose check uses an undeclared variable', () => {
    const dir = join(tmp, 'broken');
    cpSync(defaultCatalogueDir(), dir, { recursive: true });
    const file = join(dir, 'spine-eps.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('rules: [app-http-total-p95,', 'rules: [no-such-rule,').replace('target: "{{ epsUrl }}"', 'target: "{{ epsHost }}"'),
    );
    expect(() => loadCatalogue(dir)).toThrow(/spine-eps\.yaml: rules\[0\]: no rule no-such-rule in deploy\/profiles\/default\.yaml/);
    expect(() => loadCatalogue(dir)).toThrow(/spine-eps\.yaml: checks\[0\]: uses \{\{ epsHost \}\}, which is not under variables/);
  });

  it("refuses a check the agent would refuse, naming the entry file's line", () => {
    const dir = join(tmp, 'bad-check');
    cpSync(defaultCatalogueDir(), dir, { recursive: true });
    const file = join(dir, 'ers.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('intervalMs: 60000 }', 'intervalMs: 60000, timeoutMs: 90000 }'));
    expect(() => loadCatalogue(dir)).toThrow(/ers\.yaml: line 12: checks\[0\]\.timeoutMs: must be less than intervalMs/);
  });
});
