/**
 * Tests that need a lab (a system tool, root for network namespaces, a server binary) call
 * needLab(). Locally a missing lab skips the test with the reason; in CI (CI=true) it fails,
 * because a green CI run must mean the real thing was exercised.
 */
import { existsSync } from 'node:fs';

export const IN_CI = process.env.CI === 'true';

/** Returns undefined when the lab is available, else the reason it is not. */
export function labProblem(req: { files?: string[]; root?: boolean }): string | undefined {
  for (const f of req.files ?? []) if (!existsSync(f)) return `${f} is not installed`;
  if (req.root === true && process.getuid?.() !== 0) return 'needs root (network namespaces)';
  return undefined;
}

/**
 * For describe.skipIf / it.skipIf: true means "skip". In CI it never skips; instead it throws so
 * the run goes red with the reason.
 */
export function skipUnlessLab(req: { files?: string[]; root?: boolean }): boolean {
  const problem = labProblem(req);
  if (problem === undefined) return false;
  if (IN_CI) throw new Error(`lab not available in CI: ${problem}`);
  console.warn(`skipping: ${problem}`);
  return true;
}
