/** Which interfaces a check reports, and with what role and bandwidth (from `interfaces:`). */
import { compilePattern, type InterfaceSelector } from './schema.ts';
import type { IfRow } from './snapshot.ts';

export interface CompiledSelector {
  readonly sel: InterfaceSelector;
  test(row: IfRow): boolean;
}

export interface Selected {
  row: IfRow;
  /** The first selector that matched; undefined when the check selects all interfaces. */
  sel?: InterfaceSelector;
}

/** Compiles once per check (patterns were validated at start-up). */
export function compileSelectors(selectors: readonly InterfaceSelector[] | undefined): CompiledSelector[] | undefined {
  if (selectors === undefined) return undefined;
  return selectors.map((sel) => {
    if (sel.index !== undefined) {
      const index = sel.index;
      return { sel, test: (row: IfRow) => row.index === index };
    }
    if (sel.name !== undefined) {
      const re = compilePattern(sel.name);
      return { sel, test: (row: IfRow) => re.test(row.name) || (row.descr !== undefined && re.test(row.descr)) };
    }
    const re = compilePattern(sel.alias ?? '');
    return { sel, test: (row: IfRow) => row.alias !== undefined && re.test(row.alias) };
  });
}

export function selectInterfaces(rows: readonly IfRow[], compiled: readonly CompiledSelector[] | undefined): Selected[] {
  if (compiled === undefined) return rows.map((row) => ({ row }));
  const out: Selected[] = [];
  for (const row of rows) {
    const hit = compiled.find((c) => c.test(row));
    if (hit !== undefined) out.push({ row, sel: hit.sel });
  }
  return out;
}
