/**
 * The import graph of the product code (cli/, agent/, collector/, shared/, dashboards/): which
 * module imports which, read from the source files themselves.
 *
 * Runtime imports (static `import … from`, `import '…'`, `export … from`, dynamic `import('…')`)
 * come from esbuild's own TypeScript parser: each file is transformed (types stripped, comments
 * dropped, `verbatimModuleSyntax` as in tsconfig.json) and the imports are read from its output,
 * so an import inside a comment or a string is never counted. Type-only imports (`import type`,
 * `export type … from`) vanish at run time; they are read from the source text and kept apart.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { transformSync } from 'esbuild';

export const LAYERS = ['cli', 'agent', 'collector', 'shared', 'dashboards'] as const;

export interface ImportEdge {
  /** Importing and imported file, relative to the repo root with `/` separators. */
  from: string;
  to: string;
  /** `type`: erased at run time (`import type`, `export type … from`). */
  kind: 'static' | 'dynamic' | 'type';
}

export interface ImportGraph {
  files: string[];
  edges: ImportEdge[];
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') out.push(...tsFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const RUNTIME_STATIC = /^\s*(?:import|export)\b[^;'"`]*?\bfrom\s*"([^"]+)"|^\s*import\s*"([^"]+)"/gm;
const RUNTIME_DYNAMIC = /\bimport\(\s*"([^"]+)"\s*\)/g;
// In the source (not esbuild's output): `import type {…} from '…'`, `export type {…} from '…'`.
const TYPE_ONLY = /^\s*(?:import|export)\s+type\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm;

/** Specifiers a file imports, by kind (relative ones only matter to the graph). */
export function importsOf(source: string): { static: string[]; dynamic: string[]; type: string[] } {
  const js = transformSync(source, { loader: 'ts', format: 'esm', target: 'es2023', tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } }).code;
  return {
    static: [...js.matchAll(RUNTIME_STATIC)].map((m) => (m[1] ?? m[2]) as string),
    dynamic: [...js.matchAll(RUNTIME_DYNAMIC)].map((m) => m[1] as string),
    type: [...source.matchAll(TYPE_ONLY)].map((m) => m[1] as string),
  };
}

function resolveSpecifier(root: string, fromFile: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined; // node:…, npm packages
  const base = resolve(dirname(join(root, fromFile)), spec);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return relative(root, candidate).split(sep).join('/');
  }
  return relative(root, base).split(sep).join('/'); // unresolved: kept, so a wrong direction still shows
}

export function buildImportGraph(root: string): ImportGraph {
  const files = LAYERS.flatMap((layer) => tsFiles(join(root, layer)))
    .map((f) => relative(root, f).split(sep).join('/'))
    .sort();
  const edges: ImportEdge[] = [];
  for (const from of files) {
    const found = importsOf(readFileSync(join(root, from), 'utf8'));
    for (const kind of ['static', 'dynamic', 'type'] as const) {
      for (const spec of found[kind]) {
        const to = resolveSpecifier(root, from, spec);
        if (to !== undefined) edges.push({ from, to, kind });
      }
    }
  }
  return { files, edges };
}

export function layerOf(file: string): string {
  return file.split('/', 1)[0] as string;
}

/**
 * Strongly connected components with more than one module (or a module importing itself):
 * Tarjan's algorithm over the given edges. Each cycle is listed sorted, the list sorted.
 */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, []);
    if (!next.has(e.to)) next.set(e.to, []);
    next.get(e.from)!.push(e.to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  // Iterative, so a deep graph cannot overflow the call stack.
  for (const start of next.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; i: number }[] = [{ node: start, i: 0 }];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const targets = next.get(frame.node)!;
      if (frame.i < targets.length) {
        const to = targets[frame.i++]!;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, i: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        const selfLoop = targets.includes(frame.node);
        if (component.length > 1 || selfLoop) cycles.push(component.sort());
      }
    }
  }
  return cycles.sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
}
