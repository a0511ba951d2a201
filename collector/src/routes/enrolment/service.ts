/**
 * Enrolment and rotation, shared by the HTTP routes (./index.ts) and the CLI
 * (collector/src/cli/enrolment.ts, agent.ts). A code is `n3e_` + 18 random bytes in base64url
 * (144 bits); only its SHA-256 is stored and it is looked up by that hash. Using a code, and making
 * the token it buys, is one transaction, and the use is one conditional UPDATE: two servers (through
 * one collector or two sharing PostgreSQL) racing for the last use cannot both win.
 */
import { randomBytes } from 'node:crypto';
import { N3monError } from '../../../../shared/src/errors.ts';
import type { AgentCredential } from '../../../../shared/src/agent-credential.ts';
import { assertOds, createAgentTokenIn, hashCredential, type AgentIdentity } from '../../auth/credentials.ts';
import { codeState, type CodeState, type EnrolmentCodeRow, type Meta, type StateDb } from '../../meta/index.ts';
import { PracticeRepo } from '../../meta/practices.ts';
import { applyStates } from '../../config-templates/store.ts';

export const ENROLMENT_CODE_PREFIX = 'n3e_';
const MAX_USES = 1000;

/** When an agent should ask for a new token: after two thirds of its lifetime. */
export function renewAt(createdAt: number, expiresAt: number): number {
  return createdAt + Math.floor(((expiresAt - createdAt) * 2) / 3);
}

export interface CreatedCode {
  /** The code, shown once. */
  code: string;
  row: EnrolmentCodeRow;
}

export async function createEnrolmentCode(
  meta: Pick<Meta, 'state' | 'enrolments'>,
  req: { practice: string; uses?: number; expiresInMs: number; createdBy: string; now?: number },
): Promise<CreatedCode> {
  assertOds(req.practice);
  const uses = req.uses ?? 1;
  if (!Number.isInteger(uses) || uses < 1 || uses > MAX_USES)
    throw new N3monError('N3MON_ERR_REQUEST_INVALID', `uses: between 1 and ${MAX_USES} (got ${uses})`);
  if (!Number.isInteger(req.expiresInMs) || req.expiresInMs < 1000 || req.expiresInMs > 30 * 86_400_000) {
    throw new N3monError('N3MON_ERR_REQUEST_INVALID', 'expires: between 1 second and 30 days');
  }
  const now = req.now ?? Date.now();
  const code = `${ENROLMENT_CODE_PREFIX}${randomBytes(18).toString('base64url')}`;
  const row: EnrolmentCodeRow = {
    id: randomBytes(6).toString('hex'),
    practice: req.practice,
    maxUses: uses,
    uses: 0,
    createdAt: now,
    expiresAt: now + req.expiresInMs,
    revokedAt: null,
    createdBy: req.createdBy,
  };
  await meta.state.tx(async (tx) => {
    await new PracticeRepo(tx).ensure(req.practice, now);
    await meta.enrolments.in(tx).insert({ ...row, hash: hashCredential(code) });
  });
  return { code, row };
}

const REFUSALS: Record<Exclude<CodeState, 'active'> | 'unknown' | 'taken', string> = {
  unknown: 'unknown enrolment code (check it was copied whole: n3e_ and 24 characters)',
  used: 'this enrolment code has been used up',
  expired: 'this enrolment code has expired',
  revoked: 'this enrolment code was revoked',
  taken: 'an agent of this name in this practice still has a live credential',
};

export type EnrolResult =
  | { ok: true; credential: AgentCredential; code: EnrolmentCodeRow }
  | { ok: false; reason: keyof typeof REFUSALS; message: string; code?: EnrolmentCodeRow };

/** Exchange a code for a new agent token of the code's practice (agent `name`). */
export async function enrolWithCode(
  meta: Pick<Meta, 'state' | 'enrolments' | 'credentials'>,
  req: { code: string; name: string; credentialTtlMs: number; now?: number },
): Promise<EnrolResult> {
  const now = req.now ?? Date.now();
  return meta.state.tx(async (tx): Promise<EnrolResult> => {
    const codes = meta.enrolments.in(tx);
    const found = await codes.byHash(hashCredential(req.code));
    if (found === undefined)
      return { ok: false, reason: 'unknown', message: `${REFUSALS.unknown}; ask the service desk for a new one (n3mon enrolment create)` };
    // Enrolments into one practice take turns, so the live-token check below sees a token another
    // collector has just made for this name (PostgreSQL runs them side by side otherwise).
    await codes.lockPractice(found.practice);
    const row = (await codes.get(found.id)) ?? found;
    const state = codeState(row, now);
    if (state === 'active' && (await meta.credentials.in(tx).liveAgentTokens(row.practice, now, req.name)).length > 0) {
      // Two servers under one name would mix their samples; a rebuilt server is revoked first.
      const message = `${REFUSALS.taken} (${row.practice}/${req.name}): give this server another --name, or revoke the old one first (n3mon agents revoke ${row.practice}/${req.name}); the code was not used`;
      return { ok: false, reason: 'taken', code: row, message };
    }
    if (state !== 'active' || !(await codes.use(row.id, now))) {
      const reason = state === 'active' ? 'used' : state;
      return {
        ok: false,
        reason,
        code: row,
        message: `${REFUSALS[reason]} (code ${row.id} of practice ${row.practice}); ask the service desk for a new one (n3mon enrolment create)`,
      };
    }
    const expiresAt = now + req.credentialTtlMs;
    const t = await createAgentTokenIn(tx, { practice: row.practice, agent: req.name, now, expiresAt });
    return {
      ok: true,
      code: { ...row, uses: row.uses + 1 },
      credential: { token: t.token, id: t.id, practice: t.practice, agent: t.agent, expiresAt, renewAt: renewAt(now, expiresAt) },
    };
  });
}

/** A new token for the same agent; the presented one now expires at now + overlap (or sooner, as before). */
export async function rotateCredential(
  meta: Pick<Meta, 'state' | 'credentials'>,
  who: AgentIdentity,
  opts: { credentialTtlMs: number; overlapMs: number; now?: number },
): Promise<AgentCredential> {
  const now = opts.now ?? Date.now();
  const expiresAt = now + opts.credentialTtlMs;
  return meta.state.tx(async (tx: StateDb): Promise<AgentCredential> => {
    const t = await createAgentTokenIn(tx, { practice: who.practice, agent: who.agent, now, expiresAt });
    await meta.credentials.in(tx).shortenAgentToken(who.tokenId, now + opts.overlapMs);
    return { token: t.token, id: t.id, practice: t.practice, agent: t.agent, expiresAt, renewAt: renewAt(now, expiresAt) };
  });
}

export interface AgentView {
  name: string;
  version: string | null;
  platform: string | null;
  address: string | null;
  createdAt: number;
  lastSeen: number | null;
  /** The newest live token: its id, when made, when it expires (null: never); null when none (revoked). */
  credential: { id: string; createdAt: number; expiresAt: number | null; ageMs: number } | null;
  liveCredentials: number;
  /** Pulled config (docs/configuration.md): the version it runs and its last apply attempt; null before it reported one. */
  config: { running: number; lastApply: { version: number; ok: boolean; problem: string | null; at: number; receivedAt: number } } | null;
}

/** A practice's agents with version, last seen, address and credential age. */
export async function agentsOf(meta: Pick<Meta, 'state' | 'agents' | 'credentials'>, practice: string, now: number = Date.now()): Promise<AgentView[]> {
  const tokens = await meta.credentials.liveAgentTokens(practice, now);
  const applied = await applyStates(meta.state, practice);
  return (await meta.agents.list(practice)).map((a) => {
    const apply = applied.get(a.name);
    const live = tokens.filter((t) => t.agent === a.name).sort((x, y) => y.createdAt - x.createdAt);
    const newest = live[0];
    return {
      name: a.name,
      version: a.version ?? null,
      platform: a.platform ?? null,
      address: a.address ?? null,
      createdAt: a.createdAt,
      lastSeen: a.lastSeen,
      credential: newest === undefined ? null : { id: newest.id, createdAt: newest.createdAt, expiresAt: newest.expiresAt, ageMs: now - newest.createdAt },
      liveCredentials: live.length,
      config:
        apply === undefined
          ? null
          : {
              running: apply.running,
              lastApply: { version: apply.version, ok: apply.ok, problem: apply.problem ?? null, at: apply.at, receivedAt: apply.receivedAt },
            },
    };
  });
}

/** Parse `24h`, `90m`, `7d`, `3600s` or plain milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms') as 'ms'];
  return n * unit;
}
