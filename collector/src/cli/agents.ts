/** `n3mon agents list|revoke` — a practice's agents as the collector sees them, and revoking one. */
import { commandGroup, parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { assertOds } from '../auth/credentials.ts';
import { cliActor } from '../meta/index.ts';
import { agentsOf } from '../routes/enrolment/service.ts';
import { DATA_DIR_FLAGS, DATA_DIR_HELP, isoOrDash, openMetaFor, table } from './data-dir.ts';

const help = `usage: n3mon agents list [--practice ODS] [--json] [--data-dir DIR | --config FILE]
       n3mon agents revoke PRACTICE/NAME [--data-dir DIR | --config FILE]

list     Every agent (or one practice's) with the version it reported (User-Agent of its last
         push), its platform, last seen (last acknowledged batch), the address it pushed from and
         the age and expiry of its newest live token. CREDENTIAL "-" means none is live: revoked.
revoke   Revokes every token of the agent (e.g. A81001/server1). Its next request gets 401; the
         agent logs it once, keeps measuring into its spool, and delivers the backlog once it is
         enrolled again (n3mon enrolment create + n3mon enrol on the server).
         Written to the audit log (agent.revoke).

flags:
  --practice ODS   only this practice
  --json           list as JSON
${DATA_DIR_HELP}
`;

function age(ms: number): string {
  const d = Math.floor(ms / 86_400_000);
  if (d >= 1) return `${d}d`;
  const h = Math.floor(ms / 3_600_000);
  return h >= 1 ? `${h}h` : `${Math.max(0, Math.floor(ms / 60_000))}m`;
}

async function list(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, { practice: { type: 'string' }, json: { type: 'boolean' }, ...DATA_DIR_FLAGS });
  if (wantHelp) return (io.out(help), 0);
  if (values.practice !== undefined) assertOds(values.practice);
  const meta = await openMetaFor(values, io);
  try {
    const now = Date.now();
    const practices = values.practice === undefined ? await meta.practices.codes() : [values.practice];
    const rows = [];
    for (const ods of practices) for (const a of await agentsOf(meta, ods, now)) rows.push({ practice: ods, ...a });
    if (values.json === true) io.out(`${JSON.stringify(rows, null, 2)}\n`);
    else {
      io.out(
        table(
          ['PRACTICE', 'AGENT', 'VERSION', 'PLATFORM', 'LAST SEEN', 'ADDRESS', 'CREDENTIAL', 'AGE', 'EXPIRES'],
          rows.map((r) => [
            r.practice,
            r.name,
            r.version ?? '-',
            r.platform ?? '-',
            isoOrDash(r.lastSeen),
            r.address ?? '-',
            r.credential?.id ?? '-',
            r.credential === null ? '-' : age(r.credential.ageMs),
            r.credential === null ? '-' : isoOrDash(r.credential.expiresAt),
          ]),
        ),
      );
    }
    return 0;
  } finally {
    await meta.close();
  }
}

async function revoke(args: string[], io: CliIO): Promise<number> {
  const { values, positionals, help: wantHelp } = parseFlags(args, { ...DATA_DIR_FLAGS }, { positionals: 1 });
  if (wantHelp) return (io.out(help), 0);
  const m = /^([^/]+)\/(.+)$/.exec(positionals[0] ?? '');
  if (m === null) throw usageError('agents revoke needs PRACTICE/NAME, e.g. A81001/server1 (see agents list)');
  const [, ods, name] = m as unknown as [string, string, string];
  assertOds(ods);
  const meta = await openMetaFor(values, io);
  try {
    if (!(await meta.agents.list(ods)).some((a) => a.name === name)) return (io.err(`n3mon agents: practice ${ods} has no agent ${name}\n`), 1);
    const revoked = await meta.credentials.revokeAgentTokens(ods, name, Date.now());
    await meta.audit.record({ ...cliActor(), action: 'agent.revoke', target: `agent:${ods}/${name}`, practice: ods, detail: { revoked } });
    io.out(revoked === 0 ? `agent ${name} of ${ods} had no live token\n` : `agent ${name} of ${ods}: ${revoked} token(s) revoked; its next request gets 401\n`);
    return 0;
  } finally {
    await meta.close();
  }
}

export const command: Command = commandGroup({
  name: 'agents',
  summary: 'agents as the collector sees them: list (version, last seen, address, credential age), revoke',
  help,
  subcommands: { list, revoke },
});
