/**
 * A local file and a pulled config together (docs/configuration.md): the local file's checks keep
 * running and win on an id clash; the pulled checks are added after them. Only `checks` is ever
 * pulled — the local file's collector, spool, push and log sections are the agent's own. Pure.
 *
 * Also the wording of an apply problem: a path into the pulled list (`checks[3].privProtocol: …`,
 * as the collector's service desk sees the rendered config) with secret values never echoed.
 */
import { REDACT_PATHS } from '../../../shared/src/log.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import { prefixed } from '../config/parse.ts';
import type { CheckConfig } from '../config/schema.ts';
import { CheckStartError } from '../scheduler/reconfigure.ts';
import { MAX_APPLY_PROBLEM_LENGTH } from '../../../shared/src/pulled-config.ts';

export interface Effective {
  /** What the scheduler runs: the local checks, then the pulled ones whose id no local check has. */
  checks: CheckConfig[];
  /** Index in `checks` → index in the pulled list (local checks have none). */
  pulledIndex: Map<number, number>;
  /** Pulled ids not run because a local check has the same id. */
  shadowed: string[];
}

export function effectiveChecks(local: readonly CheckConfig[], pulled: readonly CheckConfig[]): Effective {
  const localIds = new Set(local.map((c) => c.id as string));
  const checks = [...local];
  const pulledIndex = new Map<number, number>();
  const shadowed: string[] = [];
  pulled.forEach((c, i) => {
    if (localIds.has(c.id as string)) {
      shadowed.push(c.id as string);
      return;
    }
    pulledIndex.set(checks.length, i);
    checks.push(c);
  });
  return { checks, pulledIndex, shadowed };
}

/** Key names whose values are secrets (the logger's top-level redact paths: community, authKey, privKey, token, …). */
const SECRET_KEYS = REDACT_PATHS.filter((p) => /^[A-Za-z]+$/.test(p));
const SECRET_AT = new RegExp(`[.\\]](${SECRET_KEYS.join('|')}):`);

/** A problem line fit to log and to send: a value echoed for a secret key is replaced, the length capped. */
export function safeProblem(line: string): string {
  const safe = SECRET_AT.test(line) ? line.replace(/\(got [^)]*\)/g, '(got [redacted])') : line;
  return safe.length <= MAX_APPLY_PROBLEM_LENGTH ? safe : `${safe.slice(0, MAX_APPLY_PROBLEM_LENGTH - 1)}…`;
}

/** A probe of the effective set could not be made: the problem at its place in the pulled list. */
export function startProblem(err: unknown, eff: Effective): string {
  if (!(err instanceof CheckStartError)) return safeProblem(`checks: cannot apply (${err instanceof Error ? err.message : String(err)})`);
  const i = eff.pulledIndex.get(err.index);
  const at = i === undefined ? `local check ${JSON.stringify(err.checkId)}` : `checks[${i}]`;
  const cause = err.cause;
  if (isN3monError(cause) && cause.problems.length > 0) return safeProblem(prefixed(cause.problems[0] as string, at));
  return safeProblem(`${at}: cannot start (${cause instanceof Error ? cause.message : String(cause)})`);
}
