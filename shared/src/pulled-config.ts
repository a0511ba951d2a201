/**
 * Pulled config (docs/configuration.md "Agents pull"): an agent with `collector.config: pull` fetches
 * its effective checks — its practice's templates rendered with the practice's values, plus the
 * practice's extra checks — from the collector, and reports how applying them went. One schema for
 * the TS type, the collector's route schema and the agent's validator.
 *
 * - `GET AGENT_CONFIG_PATH` (agent token): 200 with a PulledConfig and an `ETag` header (the quoted
 *   `etag` field); with `If-None-Match` equal to the current ETag, 304 and no body. 404
 *   `N3MON_ERR_NOT_FOUND` when nothing is assigned to the agent's practice.
 * - `POST AGENT_CONFIG_RESULT_PATH` (agent token): a ConfigApplyResult after every apply attempt of a
 *   new version (and once at start with the version the agent runs); 204.
 */
import Type, { type Static } from 'typebox';

export const AGENT_CONFIG_PATH = '/api/v1/agent/config';
export const AGENT_CONFIG_RESULT_PATH = '/api/v1/agent/config/result';

/** How often an agent asks for its config by default, and the least it may be set to. */
export const PULL_INTERVAL_DEFAULT_MS = 5 * 60 * 1000;
export const PULL_INTERVAL_MIN_MS = 10 * 1000;

/** Longest apply-failure text the collector keeps. */
export const MAX_APPLY_PROBLEM_LENGTH = 2000;

export const PulledCheck = Type.Record(Type.String(), Type.Unknown(), {
  description: "one check, as in the agent's own config file (agent/src/config/schema.ts): kind, id, target, …",
});

export const PulledConfig = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'the organisation-wide config version this rendering is of (grows with every change)' }),
    etag: Type.String({ minLength: 1, maxLength: 128, description: "changes whenever this agent's rendered checks change; sent back as If-None-Match" }),
    practice: Type.String(),
    checks: Type.Array(PulledCheck, { description: "rendered checks, secrets included (only the agent's own token can read them)" }),
    sources: Type.Array(Type.String(), { description: 'the templates and catalogue entries the checks came from, for the agent log' }),
  },
  { additionalProperties: false },
);
export type PulledConfig = Static<typeof PulledConfig>;

export const ConfigApplyResult = Type.Object(
  {
    version: Type.Integer({ minimum: 0, description: 'the version the agent tried to apply (0: its local file only)' }),
    etag: Type.Optional(Type.String({ maxLength: 128 })),
    ok: Type.Boolean({ description: 'true: the agent runs this version now; false: it rolled back to `running`' }),
    running: Type.Integer({ minimum: 0, description: 'the version the agent runs after this attempt' }),
    problem: Type.Optional(Type.String({ maxLength: MAX_APPLY_PROBLEM_LENGTH, description: '`path: message` of the first problem, when ok is false' })),
    at: Type.Integer({ minimum: 0, description: 'epoch ms of the attempt, agent clock' }),
  },
  { additionalProperties: false },
);
export type ConfigApplyResult = Static<typeof ConfigApplyResult>;
