// The layers of the repo and the direction of imports between them (cli/README.md):
//
//   cli/ (the n3mon entry point)  →  agent/, collector/  →  shared/
//   dashboards/ (browser code)    →  shared/, and the collector's API types (type-only)
//
// shared/ imports nothing above it; the agent and the collector do not import each other, except
// where the one process runs both (`n3mon up`, listed below with its reason); nothing imports cli/;
// product code never imports test/, bench/ or scripts/. And no module imports itself back through
// others (an import cycle), type-only imports included.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImportGraph, importCycles, importsOf, layerOf, type ImportEdge } from './import-graph.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Which layers each layer may import (its own always). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  shared: [],
  agent: ['shared'],
  collector: ['shared'],
  dashboards: ['shared'],
  cli: ['agent', 'collector', 'shared'],
};

/** Files outside the layers that any layer may import. */
const ROOT_FILES = new Set(['package.json']); // the version the collector reports

/** Imports across layers that are allowed although the table above says no — each with its reason. */
const EXCEPTIONS: readonly { from: string; to: RegExp; kinds: readonly ImportEdge['kind'][]; why: string }[] = [
  {
    from: 'collector/src/cli/up.ts',
    to: /^agent\/src\/(?:agent|config\/load)\.ts$/,
    kinds: ['dynamic'],
    why: '`n3mon up` runs a collector and a demo agent in one process; it loads the agent only when it starts one',
  },
  {
    from: 'collector/src/config-templates/validate.ts',
    to: /^agent\/src\/(?:config\/parse|probes\/check-kinds)\.ts$/,
    kinds: ['static'],
    why: "the collector validates the checks it renders from templates with the agent's own rules (pure modules: test/unit/config-templates/check-kinds.test.ts)",
  },
  {
    from: 'dashboards/web/src/types.ts',
    to: /^collector\/src\/routes\/[a-z-]+\/schemas\.ts$/,
    kinds: ['type'],
    why: 'the dashboard reads the collector API; it takes the response types from the route schemas, type-only, so no server code reaches the browser bundle',
  },
];

function wrongWay(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const from = layerOf(e.from);
    const to = layerOf(e.to);
    if (from === to || ROOT_FILES.has(e.to) || MAY_IMPORT[from]?.includes(to) === true) continue;
    if (EXCEPTIONS.some((x) => x.from === e.from && x.to.test(e.to) && x.kinds.includes(e.kind))) continue;
    out.push(`${e.from} → ${e.to} (${e.kind})`);
  }
  return out;
}

describe('the import graph of the product code', () => {
  const graph = buildImportGraph(ROOT);

  it('is read from the real tree (every layer, static, dynamic and type-only imports)', () => {
    for (const layer of Object.keys(MAY_IMPORT))
      expect(
        graph.files.some((f) => layerOf(f) === layer),
        layer,
      ).toBe(true);
    expect(graph.edges.filter((e) => e.kind === 'static').length).toBeGreaterThan(100);
    // The dispatcher loads each command lazily; those dynamic imports must be seen.
    expect(graph.edges).toContainEqual({ from: 'cli/index.ts', to: 'collector/src/cli/up.ts', kind: 'dynamic' });
    expect(graph.edges.filter((e) => e.kind === 'type').length).toBeGreaterThan(100);
  });

  it('runs downwards only: shared/ imports nothing above it, agent/ and collector/ not each other (save the listed exceptions)', () => {
    expect(wrongWay(graph.edges)).toEqual([]);
  });

  it('has every listed exception still in use (a stale exception is removed, not kept)', () => {
    for (const x of EXCEPTIONS) {
      expect(
        graph.edges.some((e) => e.from === x.from && x.to.test(e.to) && x.kinds.includes(e.kind)),
        `${x.from}: ${x.why}`,
      ).toBe(true);
    }
  });

  it('has no import cycles, type-only imports included', () => {
    expect(importCycles(graph.edges)).toEqual([]);
  });
});

describe('the checks themselves (a small tree that breaks every rule)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'n3mon-imports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };

  it('finds wrong-way imports of every kind and cycles through static, dynamic and type-only imports', () => {
    write(
      'shared/src/a.ts',
      "// import { nope } from '../../agent/src/commented.ts';\nimport { b } from '../../agent/src/b.ts';\nexport const a = `import('../../collector/src/in-a-string.ts')` + b;\n",
    );
    write('agent/src/b.ts', "export const b = 'b';\nexport async function c() {\n  return import('../../collector/src/c.ts');\n}\n");
    write('collector/src/c.ts', "import type {\n  D,\n} from './d.ts';\nexport type C = D;\n");
    write('collector/src/d.ts', "import { type C } from './c.ts';\nexport type D = C | 1;\n");
    write('collector/src/e.ts', "export * from './f.ts';\n");
    write('collector/src/f.ts', "export { e } from './e.ts';\nexport const f = 1;\n");
    const g = buildImportGraph(dir);
    expect(wrongWay(g.edges)).toEqual(['agent/src/b.ts → collector/src/c.ts (dynamic)', 'shared/src/a.ts → agent/src/b.ts (static)']);
    expect(importCycles(g.edges)).toEqual([
      ['collector/src/c.ts', 'collector/src/d.ts'],
      ['collector/src/e.ts', 'collector/src/f.ts'],
    ]);
  });

  it('tells type-only imports from runtime ones', () => {
    expect(importsOf("import type { A } from './a.ts';\nimport { type B, c } from './b.ts';\nexport type { D } from './d.ts';\nimport './e.ts';\n")).toEqual({
      static: ['./b.ts', './e.ts'],
      dynamic: [],
      type: ['./a.ts', './d.ts'],
    });
  });
});
