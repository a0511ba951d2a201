/**
 * collector.yaml / collector.json (PRODUCT.md "Config files"). One TypeBox schema is the TS type,
 * the validator (`n3mon check-config`, start-up) and the documentation. Unknown keys are errors;
 * rules a schema cannot express (duplicate ODS codes, retention order) are in ./load.ts.
 *
 * `thresholds`, `calendar`, `alerting` and `notifications` come from collector/src/notifications/config.ts.
 */
import { ODS_PATTERN } from '../../../shared/src/ods.ts';
import Type, { type Static } from 'typebox';
import { DEFAULT_RETENTION, storageConfigSchema } from '../storage/registry.ts';
import { alertingConfigFields } from '../notifications/config.ts';
import { practiceReportFields, ReportsConfig } from '../reports/config.ts';
import { ThroughputConfig } from '../routes/throughput/config.ts';
import { EnrolmentConfig } from '../routes/enrolment/config.ts';
import { ingestLimitFields } from '../ingest/limits-config.ts';

/** ODS code of a practice: upper-case letters and digits, e.g. A81001. */
export const OdsPattern = ODS_PATTERN;
export const OdsCode = Type.String({ pattern: OdsPattern, description: 'ODS code of the practice, e.g. A81001 (upper-case letters and digits, 3–10).' });

/** Name of an agent within its practice (from the token, `n3mon token create --agent NAME`). */
export const AgentNamePattern = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';
export const AgentName = Type.String({ pattern: AgentNamePattern, description: 'Agent name within its practice.' });

const Site = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, description: 'Site name, e.g. Main or Branch.' }) },
  { additionalProperties: false },
);

export const PracticeConfig = Type.Object(
  {
    ods: OdsCode,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    sites: Type.Array(Site, { maxItems: 50, default: [] }),
    provider: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          'Who provides its national link (HSCN supplier), e.g. "Supplier A": national-link breaches at many practices of one provider become one national incident (docs/thresholds.md).',
      }),
    ),
    ...practiceReportFields,
  },
  { additionalProperties: false },
);
export type PracticeConfig = Static<typeof PracticeConfig>;

const Days = (def: number, description: string) => Type.Integer({ minimum: 1, maximum: 36_500, default: def, description });

/** Keys every storage backend has; each backend adds its own (storage/registry.ts). */
export const storageCommonFields = {
  retention: Type.Object(
    {
      rawDays: Days(DEFAULT_RETENTION.rawDays, 'Keep raw samples this many days.'),
      minuteDays: Days(DEFAULT_RETENTION.minuteDays, 'Keep 1-minute rollups this many days (monthly reports read them).'),
      hourDays: Days(DEFAULT_RETENTION.hourDays, 'Keep 1-hour rollups this many days (year-on-year reports).'),
    },
    { additionalProperties: false, default: {} },
  ),
  maintenanceIntervalMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 60_000, description: 'How often rollups and retention run.' }),
};

const StorageCommon = Type.Object({ backend: Type.String(), ...storageCommonFields });
/** `storage:` — a union over the registered backends (docs/storage.md); typed by the common keys, the rest is the backend's. */
export const StorageConfig = Type.Unsafe<Static<typeof StorageCommon> & Readonly<Record<string, unknown>>>(storageConfigSchema(storageCommonFields));

/**
 * `state:` — where the collector keeps everything that is not a series (practices, agents,
 * credentials, alerts, sessions, …; collector/src/meta/state-db.ts): `sqlite` (meta.db in dataDir,
 * one collector) or `postgres` (several collectors sharing one truth). docs/state.md.
 */
const StateSqlite = Type.Object(
  {
    backend: Type.Literal('sqlite', {
      default: 'sqlite',
      description: 'State database: sqlite (meta.db in dataDir) | postgres (several collectors; docs/state.md).',
    }),
  },
  { additionalProperties: false },
);
const StatePostgres = Type.Object(
  {
    backend: Type.Literal('postgres'),
    url: Type.Optional(
      Type.String({
        pattern: '^postgres(ql)?://\\S+$',
        maxLength: 2000,
        description: 'postgres://user:password@host:port/database (a password here is redacted like `password`); the keys below override its parts.',
      }),
    ),
    host: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'Server host name or address (or a unix socket directory).' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535, description: 'Server port (default 5432).' })),
    database: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Database name (default: the user name).' })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 63, description: 'Role to connect as.' })),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 500, description: 'Password of user; never logged.' })),
    poolMax: Type.Integer({ minimum: 1, maximum: 1000, default: 10, description: 'Connections this collector keeps open at most.' }),
    statementTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 3_600_000,
      default: 10_000,
      description: 'A statement running longer is cancelled (the request answers 503).',
    }),
    connectTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 5000,
      description: 'Longest wait for a connection, new or from the pool; beyond it the request answers 503.',
    }),
    leaseTtlMs: Type.Integer({
      minimum: 1000,
      maximum: 300_000,
      default: 20_000,
      description:
        "Lease time to live (collector/src/ha/): a dead collector's roles (alerting, reports, storage maintenance) are taken over within it plus a third.",
    }),
  },
  { additionalProperties: false },
);
export const StateConfig = Type.Union([StateSqlite, StatePostgres], { default: {} });
export type StateConfig = Static<typeof StateConfig>;

/** `state:` rules the schema cannot express, as `path: message`. */
export function stateConfigProblems(state: StateConfig): string[] {
  if (state.backend !== 'postgres') return [];
  if (state.url === undefined && state.host === undefined) return ['state: postgres needs url or host'];
  if (state.url !== undefined && !URL.canParse(state.url)) return ['state.url: not a valid URL'];
  return [];
}

export const collectorConfigFields = {
  listen: Type.Object(
    {
      host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to listen on (0.0.0.0 for every interface).' }),
      port: Type.Integer({ minimum: 0, maximum: 65_535, default: 8080, description: '0 picks a free port.' }),
      trustProxy: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
        maxItems: 64,
        default: [],
        description:
          'Addresses or CIDRs of the reverse proxies in front of the collector (e.g. ["127.0.0.1"]; also loopback, linklocal, uniquelocal). ' +
          'From these only, X-Forwarded-For gives the client address (sign-in limits, logs, the audit log); empty: the connecting address, X-Forwarded-For ignored.',
      }),
      tls: Type.Optional(
        Type.Object(
          {
            certFile: Type.String({ minLength: 1, description: 'PEM certificate (with its chain) the collector serves HTTPS with; re-read on SIGHUP.' }),
            keyFile: Type.String({ minLength: 1, description: 'PEM private key of certFile; re-read on SIGHUP.' }),
            caFile: Type.Optional(Type.String({ minLength: 1, description: "PEM CA that issues the agents' client certificates (mutual TLS)." })),
            requireClientCert: Type.Boolean({
              default: false,
              description:
                "Mutual TLS: an agent token is accepted only with a client certificate issued by caFile whose subject CN (or a SAN URI) is the token's practice/agent. Readers (API keys, the dashboard) need none.",
            }),
          },
          {
            additionalProperties: false,
            description: 'Serve HTTPS here (docs/tls.md). Without it the collector serves plain HTTP: keep it on loopback, or behind a TLS proxy (trustProxy).',
          },
        ),
      ),
    },
    { additionalProperties: false, default: {} },
  ),
  dataDir: Type.String({
    minLength: 1,
    default: './data',
    description: 'meta.db (state: sqlite) and the series store live here; relative to the working directory.',
  }),
  organisation: Type.Object(
    { name: Type.String({ minLength: 1, maxLength: 200, default: 'n3mon', description: 'Who runs the service desk, e.g. Example ICB.' }) },
    { additionalProperties: false, default: {} },
  ),
  practices: Type.Array(PracticeConfig, { maxItems: 20_000, default: [], description: 'Practices known up front; `n3mon token create` adds others.' }),
  storage: StorageConfig,
  state: StateConfig,
  ingest: Type.Object(
    {
      batchIdRetentionDays: Type.Integer({
        minimum: 1,
        maximum: 400,
        default: 7,
        description:
          'How long batch ids are kept to acknowledge a repeated batch without storing it again (the store is idempotent per series and timestamp beyond that).',
      }),
      ...ingestLimitFields,
    },
    { additionalProperties: false, default: {} },
  ),
  log: Type.Object(
    { level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }) },
    { additionalProperties: false, default: {} },
  ),
  reports: Type.Optional(ReportsConfig),
  throughput: ThroughputConfig,
  enrolment: EnrolmentConfig,
  configTemplates: Type.Object(
    {
      secretKeyFile: Type.Optional(
        Type.String({
          minLength: 1,
          description:
            'File of 32 random bytes (64 hex digits or base64; `openssl rand -hex 32`) that encrypts secret practice values (SNMP communities, v3 keys) at rest. Without it secret values are refused; a store that holds some will not start (docs/security.md).',
        }),
      ),
      catalogueDir: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'The national application catalogue to load instead of the shipped deploy/catalogue/ (docs/configuration.md).',
        }),
      ),
    },
    { additionalProperties: false, default: {}, description: 'Templated agent config (docs/configuration.md).' },
  ),
  ui: Type.Object(
    {
      secureCookies: Type.Enum(['auto', 'always', 'never'], {
        default: 'auto',
        description:
          'The dashboard session cookie: auto = __Host-n3mon_session with Secure when the request came over HTTPS (TLS here, or X-Forwarded-Proto from a trusted proxy), plain n3mon_session over http; always = the collector is reached over HTTPS only (TLS ends at a proxy): always __Host- and Secure, and HSTS on every response; never = plain http only (a lab), never Secure.',
      }),
    },
    { additionalProperties: false, default: {} },
  ),
  metrics: Type.Object(
    {
      public: Type.Boolean({
        default: false,
        description:
          'GET /metrics and GET /openapi.json without a credential from anywhere. Default false: without a credential from loopback only; from elsewhere with a servicedesk API key (or an admin/servicedesk session).',
      }),
    },
    { additionalProperties: false, default: {} },
  ),
};

export const CollectorConfigSchema = Type.Object({ ...collectorConfigFields, ...alertingConfigFields }, { additionalProperties: false });
export type CollectorConfig = Static<typeof CollectorConfigSchema>;
