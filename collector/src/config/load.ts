/**
 * Loading and checking a collector config: schema first (every problem as `path: message`), then
 * the cross-field rules, then frozen. Used by `n3mon collector`, `n3mon up`, `n3mon check-config`
 * and the token/apikey commands (`--config FILE`).
 */
import { isIP } from 'node:net';
import { isN3monError, N3monError } from '../../../shared/src/errors.ts';
import { readSecretKey } from '../config-templates/secrets.ts';
import { parseConfigValue, readConfigSource } from '../../../shared/src/config-file.ts';
import { parseWithSchema } from '../../../shared/src/validate.ts';
import { CollectorConfigSchema, type CollectorConfig, stateConfigProblems } from './schema.ts';
import { alertingConfigProblems } from '../notifications/config.ts';
import { listenTlsProblems } from '../listen-tls.ts';

/** Problems the schema cannot express, as `path: message`. */
export function crossFieldProblems(config: CollectorConfig): string[] {
  const out: string[] = [];
  const firstByOds = new Map<string, number>();
  config.practices.forEach((p, i) => {
    const first = firstByOds.get(p.ods);
    if (first === undefined) firstByOds.set(p.ods, i);
    else out.push(`practices[${i}].ods: duplicate ODS code "${p.ods}" (also practices[${first}])`);
    const firstSite = new Map<string, number>();
    p.sites.forEach((s, j) => {
      const key = s.name.toLowerCase();
      const f = firstSite.get(key);
      if (f === undefined) firstSite.set(key, j);
      else out.push(`practices[${i}].sites[${j}].name: duplicate site "${s.name}" (also sites[${f}])`);
    });
  });
  out.push(...trustProxyProblems(config.listen.trustProxy));
  out.push(...listenTlsProblems(config.listen.tls));
  const r = config.storage.retention;
  if (r.minuteDays < r.rawDays) out.push(`storage.retention.minuteDays: must be at least rawDays (${r.rawDays})`);
  if (r.hourDays < r.minuteDays) out.push(`storage.retention.hourDays: must be at least minuteDays (${r.minuteDays})`);
  out.push(...stateConfigProblems(config.state));
  out.push(...alertingConfigProblems(config));
  out.push(...secretKeyProblems(config.configTemplates.secretKeyFile));
  return out;
}

/** configTemplates.secretKeyFile: readable and 32 bytes (hex or base64) — refused here, not at the first secret. */
function secretKeyProblems(file: string | undefined): string[] {
  if (file === undefined) return [];
  try {
    readSecretKey(file);
    return [];
  } catch (err) {
    if (!isN3monError(err)) throw err;
    return [err.message];
  }
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** listen.trustProxy: each an IP address, an address/prefix CIDR, or one of proxy-addr's names. */
function trustProxyProblems(list: readonly string[]): string[] {
  const out: string[] = [];
  list.forEach((entry, i) => {
    if (PROXY_NAMES.has(entry)) return;
    const [addr = '', prefix, extra] = entry.split('/');
    const family = isIP(addr);
    const max = family === 6 ? 128 : 32;
    const okPrefix = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= max);
    if (family === 0 || !okPrefix || extra !== undefined)
      out.push(`listen.trustProxy[${i}]: "${entry}" is not an IP address, a CIDR (address/prefix) or loopback|linklocal|uniquelocal`);
  });
  return out;
}

/** Every problem with a collector config value (empty when valid). For `n3mon check-config`. */
export function collectorConfigProblems(value: unknown): string[] {
  const result = parseWithSchema(CollectorConfigSchema, value ?? {});
  return result.ok ? crossFieldProblems(result.value) : result.problems;
}

/** Validate (defaults filled in), check cross-field rules, freeze. Throws N3MON_ERR_CONFIG_INVALID. */
export function parseCollectorConfig(value: unknown, label: string): CollectorConfig {
  const config = parseConfigValue(CollectorConfigSchema, value, label);
  const problems = crossFieldProblems(config);
  if (problems.length > 0) {
    throw new N3monError('N3MON_ERR_CONFIG_INVALID', `${label}: ${problems.length} problem(s)\n${problems.join('\n')}`, { problems });
  }
  return config;
}

/** Read a YAML/JSON file and parse it as a collector config. */
export function loadCollectorConfig(file: string): CollectorConfig {
  return parseCollectorConfig(readConfigSource(file), file);
}
