/** `n3mon token create|list|revoke` — agent tokens for POST /api/v1/ingest. */
import { commandGroup, parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { createAgentToken, assertOds } from '../auth/credentials.ts';
import { cliActor } from '../meta/index.ts';
import { DATA_DIR_FLAGS, DATA_DIR_HELP, isoOrDash, openMetaFor, table } from './data-dir.ts';

const help = `usage: n3mon token create --practice ODS [--agent NAME] [--data-dir DIR | --config FILE]
       n3mon token list [--practice ODS] [--json] [--data-dir DIR | --config FILE]
       n3mon token revoke ID [--data-dir DIR | --config FILE]

Agent tokens authenticate an agent's POST /api/v1/ingest. The token names the practice and the
agent; every sample the agent sends is labelled with both.

create   Prints a new token (n3a_…) once, on stdout. Only its SHA-256 hash is stored, so it
         cannot be shown again: put it in the agent config (collector.token) now.
         If the ODS code is not a known practice, the practice is created with its ODS code as
         its name (add it to the collector config's practices to give it a name and sites).
list     Tokens with their id, practice, agent, created, expires (tokens from enrolment and
         rotation; - for never), revoked and the agent's last delivery. n3mon agents list shows
         each agent's version, address and credential age.
revoke   Revokes the token with this id (from list); the collector refuses it at once.

create and revoke are written to the audit log (GET /api/v1/audit) as cli:<OS user>.

flags:
  --practice ODS   ODS code of the practice, e.g. A81001 (upper-case letters and digits)
  --agent NAME     agent name within the practice (default: default)
  --json           list as JSON
${DATA_DIR_HELP}

The collector may be running: meta.db is shared safely (SQLite WAL), and with --config
naming a PostgreSQL state database every collector sees the change at its next request.
`;

async function create(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, { practice: { type: 'string' }, agent: { type: 'string' }, ...DATA_DIR_FLAGS });
  if (wantHelp) return (io.out(help), 0);
  if (values.practice === undefined) throw usageError('token create needs --practice ODS');
  assertOds(values.practice);
  const meta = await openMetaFor(values, io);
  try {
    const t = await createAgentToken(meta, { practice: values.practice, agent: values.agent ?? 'default' });
    await meta.audit.record({
      ...cliActor(),
      action: 'token.create',
      target: `token:${t.id}`,
      practice: t.practice,
      detail: { agent: t.agent, practiceCreated: t.practiceCreated },
    });
    io.out(`${t.token}\n`);
    io.err(
      `token ${t.id} for agent ${t.agent} of practice ${t.practice}${t.practiceCreated ? ` (practice ${t.practice} created, named ${t.practice})` : ''}.\n` +
        'It is shown only this once: put it in the agent config as collector.token.\n',
    );
    return 0;
  } finally {
    await meta.close();
  }
}

async function list(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, { practice: { type: 'string' }, json: { type: 'boolean' }, ...DATA_DIR_FLAGS });
  if (wantHelp) return (io.out(help), 0);
  const meta = await openMetaFor(values, io);
  try {
    const lastSeen = new Map((await meta.agents.all()).map((a) => [`${a.practice}/${a.name}`, a.lastSeen]));
    const rows = (await meta.credentials.agentTokens())
      .filter((t) => values.practice === undefined || t.practice === values.practice)
      .map((t) => ({
        id: t.id,
        practice: t.practice,
        agent: t.agent,
        createdAt: t.createdAt,
        expiresAt: t.expiresAt,
        revokedAt: t.revokedAt,
        lastSeen: lastSeen.get(`${t.practice}/${t.agent}`) ?? null,
      }));
    if (values.json === true) io.out(`${JSON.stringify(rows, null, 2)}\n`);
    else
      io.out(
        table(
          ['ID', 'PRACTICE', 'AGENT', 'CREATED', 'EXPIRES', 'REVOKED', 'AGENT LAST SEEN'],
          rows.map((r) => [r.id, r.practice, r.agent, isoOrDash(r.createdAt), isoOrDash(r.expiresAt), isoOrDash(r.revokedAt), isoOrDash(r.lastSeen)]),
        ),
      );
    return 0;
  } finally {
    await meta.close();
  }
}

async function revoke(args: string[], io: CliIO): Promise<number> {
  const { values, positionals, help: wantHelp } = parseFlags(args, { ...DATA_DIR_FLAGS }, { positionals: 1 });
  if (wantHelp) return (io.out(help), 0);
  const id = positionals[0];
  if (id === undefined) throw usageError('token revoke needs the token id (see token list)');
  const meta = await openMetaFor(values, io);
  try {
    const row = await meta.credentials.agentToken(id);
    if (row === undefined) return (io.err(`n3mon token: no token with id ${id}\n`), 1);
    if (!(await meta.credentials.revokeAgentToken(id, Date.now()))) return (io.out(`token ${id} was already revoked\n`), 0);
    await meta.audit.record({ ...cliActor(), action: 'token.revoke', target: `token:${id}`, practice: row.practice, detail: { agent: row.agent } });
    io.out(`token ${id} (agent ${row.agent} of ${row.practice}) revoked\n`);
    return 0;
  } finally {
    await meta.close();
  }
}

export const command: Command = commandGroup({
  name: 'token',
  summary: 'agent tokens: create, list, revoke',
  help,
  subcommands: { create, list, revoke },
});
