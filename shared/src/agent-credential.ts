/**
 * What the agent and the collector agree on about an agent's credential and identity, beside the
 * ingest wire format (./wire.ts): enrolment (a one-time code exchanged for a token), rotation, the
 * credential's expiry headers and the agent's User-Agent (its version, recorded per agent).
 *
 *   n3mon enrol ──POST ENROL_PATH { code, name }──▶ collector ──▶ { token, practice, agent, expiresAt, renewAt }
 *   agent ──POST ROTATE_PATH (Bearer current token)──▶ collector ──▶ the same shape, a new token
 *   every ingest answer carries CREDENTIAL_HEADERS (when the token expires, when to renew)
 */
import Type, { type Static } from 'typebox';

/** Unauthenticated: a one-time enrolment code for an agent credential. Rate-limited per address. */
export const ENROL_PATH = '/api/v1/enrol';
/** Agent token: a new credential for the same agent; the current one keeps working for the overlap. */
export const ROTATE_PATH = '/api/v1/agent/credential/rotate';

/** Enrolment codes: `n3e_` + 24 base64url characters (144 bits). */
export const ENROLMENT_CODE_PATTERN = '^n3e_[A-Za-z0-9_-]{24}$';
/** Same as the collector's agent names (collector/src/config/schema.ts AgentNamePattern). */
export const ENROL_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$';

export const EnrolRequest = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 100, description: 'The enrolment code from `n3mon enrolment create` (n3e_…).' }),
    name: Type.String({ pattern: ENROL_NAME_PATTERN, description: 'The agent name within its practice (the server name).' }),
  },
  { additionalProperties: false },
);
export type EnrolRequest = Static<typeof EnrolRequest>;

/** The answer to enrolment and to rotation. */
export const AgentCredential = Type.Object(
  {
    token: Type.String({ description: 'The agent token (n3a_…), shown once; only its hash is stored.' }),
    id: Type.String({ description: 'The token id (public).' }),
    practice: Type.String(),
    agent: Type.String(),
    expiresAt: Type.Integer({ description: 'Epoch ms: the collector refuses the token from then on.' }),
    renewAt: Type.Integer({ description: 'Epoch ms: the agent asks for a new token from then on.' }),
  },
  { additionalProperties: false },
);
export type AgentCredential = Static<typeof AgentCredential>;

/** Response headers on every accepted ingest (lower-case, values epoch ms). */
export const CREDENTIAL_HEADERS = { expiresAt: 'n3mon-credential-expires-at', renewAt: 'n3mon-credential-renew-at' } as const;

/** `n3mon-agent/<version> (<platform>; <arch>)` — the agent's User-Agent on every request. */
export const AGENT_PRODUCT = 'n3mon-agent';

export function agentUserAgent(version: string, platform: string, arch: string): string {
  return `${AGENT_PRODUCT}/${version} (${platform}; ${arch})`;
}

const UA_RE = /^n3mon-agent\/([0-9A-Za-z.+-]{1,40})(?: \(([a-z0-9]{1,20})(?:; ([a-z0-9_]{1,20}))?\))?/;

/** The version and platform of an n3mon agent's User-Agent; undefined for anything else. */
export function parseAgentUserAgent(header: string | undefined): { version: string; platform: string | null } | undefined {
  if (header === undefined) return undefined;
  const m = UA_RE.exec(header);
  if (m === null) return undefined;
  const platform = m[2] === undefined ? null : m[3] === undefined ? m[2] : `${m[2]}-${m[3]}`;
  return { version: m[1] as string, platform };
}
