/** `n3mon apikey create|list|revoke` — API keys for the read API. */
import { commandGroup, parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { createApiKey } from '../auth/credentials.ts';
import type { ApiRole } from '../meta/index.ts';
import { cliActor } from '../meta/index.ts';
import { DATA_DIR_FLAGS, DATA_DIR_HELP, isoOrDash, openMetaFor, table } from './data-dir.ts';

const ROLES: readonly ApiRole[] = ['servicedesk', 'practice'];

const help = `usage: n3mon apikey create --role servicedesk|practice [--practice ODS] [--label TEXT] [--data-dir DIR | --config FILE]
       n3mon apikey list [--json] [--data-dir DIR | --config FILE]
       n3mon apikey revoke ID [--data-dir DIR | --config FILE]

API keys authenticate the read API (GET /api/v1/practices…): Authorization: Bearer <key>.

create   Prints a new key (n3k_…) once, on stdout. Only its SHA-256 hash is stored.
         servicedesk: sees every practice.  practice: sees only --practice ODS, which must be a
         known practice (in the collector config, or created by \`n3mon token create\`).
list     Keys with their id, role, practice, label, created and revoked.
revoke   Revokes the key with this id (from list); the collector refuses it at once.

create and revoke are written to the audit log (GET /api/v1/audit) as cli:<OS user>.

flags:
  --role ROLE      servicedesk or practice
  --practice ODS   the practice a practice key may read
  --label TEXT     a note to recognise the key by in list (e.g. "grafana")
  --json           list as JSON
${DATA_DIR_HELP}
`;

async function create(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, { role: { type: 'string' }, practice: { type: 'string' }, label: { type: 'string' }, ...DATA_DIR_FLAGS });
  if (wantHelp) return (io.out(help), 0);
  const role = values.role as ApiRole | undefined;
  if (role === undefined || !ROLES.includes(role)) throw usageError('apikey create needs --role servicedesk or --role practice');
  const meta = await openMetaFor(values, io);
  try {
    const k = await createApiKey(meta, {
      role,
      ...(values.practice === undefined ? {} : { practice: values.practice }),
      ...(values.label === undefined ? {} : { label: values.label }),
    });
    await meta.audit.record({
      ...cliActor(),
      action: 'apikey.create',
      target: `apikey:${k.id}`,
      practice: k.practice,
      detail: { role: k.role, label: values.label ?? null },
    });
    io.out(`${k.key}\n`);
    io.err(`API key ${k.id} (${k.role}${k.practice === null ? ', every practice' : ` of ${k.practice}`}). It is shown only this once.\n`);
    return 0;
  } finally {
    await meta.close();
  }
}

async function list(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, { json: { type: 'boolean' }, ...DATA_DIR_FLAGS });
  if (wantHelp) return (io.out(help), 0);
  const meta = await openMetaFor(values, io);
  try {
    const rows = (await meta.credentials.apiKeys()).map((k) => ({
      id: k.id,
      role: k.role,
      practice: k.practice,
      label: k.label,
      createdAt: k.createdAt,
      revokedAt: k.revokedAt,
    }));
    if (values.json === true) io.out(`${JSON.stringify(rows, null, 2)}\n`);
    else
      io.out(
        table(
          ['ID', 'ROLE', 'PRACTICE', 'LABEL', 'CREATED', 'REVOKED'],
          rows.map((r) => [r.id, r.role, r.practice ?? '*', r.label ?? '', isoOrDash(r.createdAt), isoOrDash(r.revokedAt)]),
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
  if (id === undefined) throw usageError('apikey revoke needs the key id (see apikey list)');
  const meta = await openMetaFor(values, io);
  try {
    const row = await meta.credentials.apiKey(id);
    if (row === undefined) return (io.err(`n3mon apikey: no key with id ${id}\n`), 1);
    if (!(await meta.credentials.revokeApiKey(id, Date.now()))) return (io.out(`key ${id} was already revoked\n`), 0);
    await meta.audit.record({ ...cliActor(), action: 'apikey.revoke', target: `apikey:${id}`, practice: row.practice });
    io.out(`key ${id} revoked\n`);
    return 0;
  } finally {
    await meta.close();
  }
}

export const command: Command = commandGroup({
  name: 'apikey',
  summary: 'read-API keys: create, list, revoke',
  help,
  subcommands: { create, list, revoke },
});
