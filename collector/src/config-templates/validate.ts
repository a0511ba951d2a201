/**
 * Rendered checks validated with the AGENT's own rules — its config schema for `checks` and each
 * probe kind's schema and cross-field rules (agent/src/config/parse.ts parseChecks over the pure
 * agent/src/probes/check-kinds.ts) — so the collector never publishes a config the agent would
 * refuse. The one import from agent/ into collector/ (test/unit/structure/imports.test.ts lists it).
 */
import { parseChecks } from '../../../agent/src/config/parse.ts';
import { CHECK_KINDS } from '../../../agent/src/probes/check-kinds.ts';
import { checkIdOf } from '../../../agent/src/config/parse.ts';

/** `checks[i].key: message` lines; [] when the agent would take every check. */
export function validateChecks(checks: readonly Record<string, unknown>[]): string[] {
  const r = parseChecks(checks, CHECK_KINDS);
  return r.ok ? [] : r.problems;
}

/** The id the agent gives a check (its `id`, else kind:target). */
export function idOf(check: Record<string, unknown>): string {
  return checkIdOf({ kind: String(check.kind), ...check });
}
