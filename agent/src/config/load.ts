/**
 * Loading the agent config with the real probe registry (the edge: `n3mon agent`, `n3mon up`,
 * `n3mon check-config`). The logic lives in ./parse.ts, which takes the probes as a parameter.
 */
import { readConfigSource } from '../../../shared/src/config-file.ts';
import { PROBES } from '../probes/registry.ts';
import type { ProbeKind } from '../probes/types.ts';
import type { ParseResult } from '../../../shared/src/validate.ts';
import { parseAgentConfig as parseWith, parseChecks as parseChecksWith } from './parse.ts';
import type { AgentConfig, CheckConfig } from './schema.ts';

export type { AgentConfig };
export { checkIdOf, effectiveTimeoutMs } from './parse.ts';

/** Validates an already-read config value; throws N3MON_ERR_CONFIG_INVALID listing every problem. */
export function parseAgentConfig(value: unknown, label: string, probes: readonly ProbeKind[] = PROBES): AgentConfig {
  return parseWith(value, label, probes);
}

/** Reads (YAML or JSON), validates and freezes an agent config file. */
export function loadAgentConfig(file: string, probes: readonly ProbeKind[] = PROBES): AgentConfig {
  return parseWith(readConfigSource(file), file, probes);
}

/** Validates a `checks` list alone (a pulled config's, a rendered template's) with the real registry: `checks[i].key: message` problems. */
export function parseChecks(value: unknown, probes: readonly ProbeKind[] = PROBES): ParseResult<readonly CheckConfig[]> {
  return parseChecksWith(value, probes);
}
