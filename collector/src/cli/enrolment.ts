/** `n3mon enrolment create|list|revoke` — one-time codes a practice server exchanges for its agent token (`n3mon enrol`). */
import { commandGroup, parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { assertOds } from '../auth/credentials.ts';
import { cliActor, codeState } from '../meta/index.ts';
import { createEnrolmentCode, parseDuration } from '../routes/enrolment/service.ts';
import { ENROLMENT_CONFIG_DEFAULTS } from '../routes/enrolment/config.ts';
import { DATA_DIR_FLAGS, DATA_DIR_HELP, isoOrDash, openMetaFor, table } from './data-dir.ts';

const help = `usage: n3mon enrolment create --practice ODS [--uses N] [--expires 24h] [--data-dir DIR | --config FILE]
       n3mon enrolment list [--practice ODS] [--json] [--data-dir DIR | --config FILE]
       n3mon enrolment revoke ID [--data-dir DIR | --config FILE]

Enrolment codes let a practice server get its own agent token without anyone copying one by hand:
the service desk makes a code for the practice here (or with POST /api/v1/enrolments, or on the
dashboard's practice page); on the server, \`n3mon enrol --collector URL --code CODE\` exchanges it
for a token (agent name = --name or the host name) and writes it beside agent.yaml.

create   Prints a new code (n3e_…) once, on stdout. Only its SHA-256 hash is stored. It works
         --uses times (default 1: one server) until --expires (default 24h; 1s to 30d: 90m, 12h, 7d).
         An ODS code the collector does not know yet is created (named by its ODS code).
list     Codes with id, practice, uses, expiry and state (active, used, expired, revoked).
revoke   Revokes the code with this id (from list): it is refused from now on.

create, revoke — and every use or refusal of a code over HTTP — are written to the audit log.

flags:
  --practice ODS   ODS code of the practice, e.g. A81001
  --uses N         how many servers may enrol with the code (1–1000, default 1)
  --expires D      lifetime: a number with ms, s, m, h or d (default 24h)
  --json           list as JSON
${DATA_DIR_HELP}
`;

async function create(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, {
    practice: { type: 'string' },
    uses: { type: 'string' },
    expires: { type: 'string' },
    ...DATA_DIR_FLAGS,
  });
  if (wantHelp) return (io.out(help), 0);
  if (values.practice === undefined) throw usageError('enrolment create needs --practice ODS');
  assertOds(values.practice);
  const uses = values.uses === undefined ? 1 : Number(values.uses);
  if (!Number.isInteger(uses) || uses < 1 || uses > 1000) throw usageError(`--uses: a whole number from 1 to 1000 (got ${values.uses})`);
  const expiresInMs = values.expires === undefined ? ENROLMENT_CONFIG_DEFAULTS.codeTtlMs : parseDuration(values.expires);
  if (expiresInMs === undefined || expiresInMs < 1000 || expiresInMs > 30 * 86_400_000)
    throw usageError(`--expires: 1s to 30d, e.g. 24h, 90m, 7d (got ${values.expires})`);
  const meta = await openMetaFor(values, io);
  try {
    const actor = cliActor();
    const { code, row } = await createEnrolmentCode(meta, { practice: values.practice, uses, expiresInMs, createdBy: actor.actor });
    await meta.audit.record({
      ...actor,
      action: 'enrolment.create',
      target: `enrolment:${row.id}`,
      practice: row.practice,
      detail: { uses: row.maxUses, expiresAt: row.expiresAt },
    });
    io.out(`${code}\n`);
    io.err(
      `enrolment code ${row.id} for practice ${row.practice}: ${row.maxUses} use(s), expires ${new Date(row.expiresAt).toISOString()}.\n` +
        `It is shown only this once. On the practice server: n3mon enrol --collector URL --code ${code}\n`,
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
    const now = Date.now();
    const rows = (await meta.enrolments.list(values.practice)).map((r) => ({ ...r, state: codeState(r, now) }));
    if (values.json === true) io.out(`${JSON.stringify(rows, null, 2)}\n`);
    else
      io.out(
        table(
          ['ID', 'PRACTICE', 'USES', 'CREATED', 'EXPIRES', 'STATE', 'BY'],
          rows.map((r) => [r.id, r.practice, `${r.uses}/${r.maxUses}`, isoOrDash(r.createdAt), isoOrDash(r.expiresAt), r.state, r.createdBy]),
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
  if (id === undefined) throw usageError('enrolment revoke needs the code id (see enrolment list)');
  const meta = await openMetaFor(values, io);
  try {
    const row = await meta.enrolments.get(id);
    if (row === undefined) return (io.err(`n3mon enrolment: no enrolment code with id ${id}\n`), 1);
    if (!(await meta.enrolments.revoke(id, Date.now()))) return (io.out(`enrolment code ${id} was already revoked\n`), 0);
    await meta.audit.record({ ...cliActor(), action: 'enrolment.revoke', target: `enrolment:${id}`, practice: row.practice, detail: { uses: row.uses } });
    io.out(`enrolment code ${id} (practice ${row.practice}, ${row.uses}/${row.maxUses} used) revoked\n`);
    return 0;
  } finally {
    await meta.close();
  }
}

export const command: Command = commandGroup({
  name: 'enrolment',
  summary: 'enrolment codes: create, list, revoke',
  help,
  subcommands: { create, list, revoke },
});
