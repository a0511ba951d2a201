/**
 * The `influx` backend's own keys under `storage:` (composed into the collector's config schema by
 * the storage registry; docs/storage.md "Configuring influx"). Validated with the rest of the
 * config at start-up and by `n3mon check-config`; unknown keys are errors.
 */
import Type, { type Static } from 'typebox';

export const influxSettingsFields = {
  url: Type.String({
    pattern: '^https?://[^\\s/@]+(/[^\\s]*)?$',
    description: 'InfluxDB 1.x HTTP API base URL, e.g. http://127.0.0.1:8086 (no credentials in it: use username/password).',
  }),
  database: Type.String({ minLength: 1, maxLength: 200, description: 'Database the series are written into.' }),
  username: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'HTTP basic auth user.' })),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'HTTP basic auth password; never logged.' })),
  retentionPolicy: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description:
        "Retention policy written into (default: the database's default policy). Must keep data at least hourDays; n3mon applies storage.retention itself.",
    }),
  ),
  createDatabase: Type.Boolean({ default: false, description: 'Create the database at start-up when it is missing (needs an admin user when auth is on).' }),
  indexRefreshMs: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 3_600_000,
      description:
        'Several collectors writing one database: how often the series index (and the rollup marks) are re-read from InfluxDB, to learn the series the other collectors wrote. Absent or 0: never (one collector).',
    }),
  ),
  timeoutMs: Type.Integer({
    minimum: 100,
    maximum: 600_000,
    default: 10_000,
    description: 'Longest wait for one InfluxDB request; a write that takes longer fails (ingest answers 503).',
  }),
};

const InfluxSettings = Type.Object(influxSettingsFields);
export type InfluxSettings = Static<typeof InfluxSettings>;

/** The URL with any user:password@ removed (what logs and errors may show). */
export function redactUrl(url: string): string {
  return url.replace(/^(https?:\/\/)[^@/]*@/, '$1');
}
