/**
 * Rendered checks validated with the AGENT's own rules — its config schema for `checks` and each
 * probe kind's schema and cross-field rules (agent/src/config/parse.ts parseChecks over the pure
 * agent/src/probes/check-kinds.ts) — so the collector never publishes a config the agent would
 * refuse. The one import from agent/ into collector/ (test/unit/structure/imports.test.ts lists it).
 */
import { checkIdOf, parseChecks } from '../../../agent/src/config/parse.ts';
import { CHECK_KINDS } from '../../../agent/src/probes/check-kinds.ts';

/**
 * `checks[i].key: message` lines; [] when the agent would take every check. Not the kinds'
 * hostProblems: what the collector's own Node can do (DES) says nothing of the agents' — an agent
 * whose Node cannot run a check rolls the version back and reports it (docs/configuration.md).
 */
export function validateChecks(checks: readonly Record<string, unknown>[]): string[] {
  const r = parseChecks(checks, CHECK_KINDS, { host: false });
  return r.ok ? [] : r.problems;
}

/** The id the agent gives a check (its `id`, else kind:target). */
export function idOf(check: Record<string, unknown>): string {
  return checkIdOf({ kind: String(check.kind), ...check });
}
