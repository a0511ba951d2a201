/**
 * The config side of the probe kinds (agent/src/probes/check-kinds.ts) is what the collector
 * validates rendered templates with: it must list the same kinds, with the same schemas and rules,
 * as the agent's registry, and load none of the code that measures (net-snmp, ping,
 * systeminformation, sockets), so the collector does not carry the agent's runtime.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECK_KINDS } from '../../../agent/src/probes/check-kinds.ts';
import { PROBES } from '../../../agent/src/probes/registry.ts';
import { importsOf } from '../structure/import-graph.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Every file and bare package a module loads at run time (static and dynamic imports, not type-only). */
function runtimeClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [resolve(ROOT, entry)];
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (files.has(file)) continue;
    files.add(file);
    const { static: s, dynamic: d } = importsOf(readFileSync(file, 'utf8'));
    for (const spec of [...s, ...d]) {
      if (spec.startsWith('.')) todo.push(resolve(dirname(file), spec));
      else packages.add(spec);
    }
  }
  return { files, packages };
}

describe('the check kinds (the config side of the probe registry)', () => {
  it("are the registry's kinds, in its order, with the same schemas, rules and labels", () => {
    expect(CHECK_KINDS.map((k) => k.kind)).toEqual(PROBES.map((p) => p.kind));
    CHECK_KINDS.forEach((k, i) => {
      const p = PROBES[i];
      expect(p?.schema, k.kind).toBe(k.schema);
      expect(p?.validate, k.kind).toBe(k.validate);
      expect(p?.baseLabels, k.kind).toBe(k.baseLabels);
      expect(p?.defaultTimeoutMs, k.kind).toBe(k.defaultTimeoutMs);
    });
  });

  it('load no measuring code: only typebox, yaml and node built-ins, none of the probe drivers', () => {
    for (const entry of ['agent/src/probes/check-kinds.ts', 'agent/src/config/parse.ts']) {
      const { files, packages } = runtimeClosure(entry);
      const external = [...packages].filter((p) => !p.startsWith('node:') && !/^(typebox|yaml)(\/|$)/.test(p));
      expect(external, entry).toEqual([]);
      const loaded = [...files].map((f) => f.slice(ROOT.length + 1));
      expect(
        loaded.filter((f) => /probes\/[a-z]+\/index\.ts$|probes\/registry\.ts$|net-snmp|runner\.ts$|driver\.ts$/.test(f)),
        entry,
      ).toEqual([]);
    }
  });
});
