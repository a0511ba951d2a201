/**
 * `n3mon user create|list|set-role|password|disable|enable` — dashboard users. Passwords are read
 * from stdin (a pipe or file) or generated and printed once; only a scrypt hash is stored.
 */
import { commandGroup, parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { generatePassword } from '../ui/passwords.ts';
import { isUserRole, USER_ROLES, UserStore, type UserRole } from '../ui/users.ts';
import { cliActor } from '../meta/index.ts';
import { DATA_DIR_FLAGS, DATA_DIR_HELP, isoOrDash, openMetaFor, table } from './data-dir.ts';

const help = `usage: n3mon user create --username NAME --role admin|servicedesk|practice [--practice ODS] [--generate] [--data-dir DIR | --config FILE]
       n3mon user list [--json] [--data-dir DIR | --config FILE]
       n3mon user set-role --username NAME --role ROLE [--practice ODS] [--data-dir DIR | --config FILE]
       n3mon user password --username NAME [--generate] [--data-dir DIR | --config FILE]
       n3mon user disable|enable --username NAME [--data-dir DIR | --config FILE]

Users of the built-in dashboard (http://<collector>/). Roles:
  admin        every practice, and manages users (the dashboard's Users page)
  servicedesk  every practice: overview, practice pages, alerts (acknowledge)
  practice     one practice (--practice ODS) — a practice manager sees only their own

create     The password is read from stdin when stdin is a pipe or a file (the first line;
           e.g. \`printf '%s\\n' "$PW" | n3mon user create …\`); otherwise, or with --generate,
           a password is generated and printed once on stdout. At least 10 characters.
           Only a scrypt hash is stored.
set-role   Takes effect on the user's next request, also while the collector runs.
password   New password (stdin or generated, as for create); signs the user out everywhere.
disable    Signs the user out everywhere and refuses sign-in until \`enable\`.

Every change is written to the audit log (GET /api/v1/audit) as cli:<OS user>.

flags:
  --username NAME  letters, digits and . _ @ - (case-insensitive)
  --role ROLE      ${USER_ROLES.join(', ')}
  --practice ODS   the practice a practice user sees
  --generate       generate the password even if stdin is a pipe
  --json           list as JSON
${DATA_DIR_HELP}
`;

/** The first line of stdin when it is a pipe or a file; undefined for a terminal or an empty stdin. */
async function readStdinLine(): Promise<string | undefined> {
  if (process.stdin.isTTY === true) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  return line === '' ? undefined : line;
}

async function passwordFor(generate: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  const piped = generate === true ? undefined : await readStdinLine();
  return piped === undefined ? { password: generatePassword(), generated: true } : { password: piped, generated: false };
}

function roleOf(value: string | undefined): UserRole {
  if (value === undefined || !isUserRole(value)) throw usageError(`--role must be one of ${USER_ROLES.join(', ')}`);
  return value;
}

function need(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw usageError(`${flag} is required`);
  return value;
}

async function create(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, {
    username: { type: 'string' },
    role: { type: 'string' },
    practice: { type: 'string' },
    generate: { type: 'boolean' },
    ...DATA_DIR_FLAGS,
  });
  if (wantHelp) return (io.out(help), 0);
  const username = need(values.username, '--username');
  const role = roleOf(values.role);
  const meta = await openMetaFor(values, io);
  try {
    const users = await UserStore.open(meta.state);
    const { password, generated } = await passwordFor(values.generate);
    const u = await users.create({ username, role, practice: values.practice ?? null, password });
    await meta.audit.record({
      ...cliActor(),
      action: 'user.create',
      target: `user:${u.username}`,
      practice: u.practice,
      detail: { role: u.role, generatedPassword: generated },
    });
    if (generated) io.out(`${password}\n`);
    io.err(
      `user ${u.username} (${u.role}${u.practice === null ? '' : ` of ${u.practice}`}) created.${generated ? ' The password above is shown only this once.' : ''}\n`,
    );
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
    const rows = await (await UserStore.open(meta.state)).list();
    if (values.json === true)
      io.out(
        `${JSON.stringify(
          rows.map((u) => ({ username: u.username, role: u.role, practice: u.practice, createdAt: u.createdAt, disabledAt: u.disabledAt })),
          null,
          2,
        )}\n`,
      );
    else
      io.out(
        table(
          ['USERNAME', 'ROLE', 'PRACTICE', 'CREATED', 'DISABLED'],
          rows.map((u) => [u.username, u.role, u.practice ?? '*', isoOrDash(u.createdAt), isoOrDash(u.disabledAt)]),
        ),
      );
    return 0;
  } finally {
    await meta.close();
  }
}

async function setRole(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, {
    username: { type: 'string' },
    role: { type: 'string' },
    practice: { type: 'string' },
    ...DATA_DIR_FLAGS,
  });
  if (wantHelp) return (io.out(help), 0);
  const username = need(values.username, '--username');
  const role = roleOf(values.role);
  const meta = await openMetaFor(values, io);
  try {
    const u = await (await UserStore.open(meta.state)).setRole(username, role, values.practice ?? null);
    await meta.audit.record({ ...cliActor(), action: 'user.set-role', target: `user:${u.username}`, practice: u.practice, detail: { role: u.role } });
    io.out(`user ${u.username} is now ${u.role}${u.practice === null ? '' : ` of ${u.practice}`}\n`);
    return 0;
  } finally {
    await meta.close();
  }
}

async function password(args: string[], io: CliIO): Promise<number> {
  const { values, help: wantHelp } = parseFlags(args, { username: { type: 'string' }, generate: { type: 'boolean' }, ...DATA_DIR_FLAGS });
  if (wantHelp) return (io.out(help), 0);
  const username = need(values.username, '--username');
  const meta = await openMetaFor(values, io);
  try {
    const users = await UserStore.open(meta.state);
    if ((await users.byUsername(username)) === undefined) return (io.err(`n3mon user: no user "${username.toLowerCase()}"\n`), 1);
    const p = await passwordFor(values.generate);
    const u = await users.setPassword(username, p.password);
    await meta.audit.record({
      ...cliActor(),
      action: 'user.password',
      target: `user:${u.username}`,
      practice: u.practice,
      detail: { generatedPassword: p.generated },
    });
    if (p.generated) io.out(`${p.password}\n`);
    io.err(`password of ${u.username} changed; their sessions have ended.${p.generated ? ' The password above is shown only this once.' : ''}\n`);
    return 0;
  } finally {
    await meta.close();
  }
}

function toggle(disabled: boolean): (args: string[], io: CliIO) => Promise<number> {
  return async (args, io) => {
    const { values, help: wantHelp } = parseFlags(args, { username: { type: 'string' }, ...DATA_DIR_FLAGS });
    if (wantHelp) return (io.out(help), 0);
    const username = need(values.username, '--username');
    const meta = await openMetaFor(values, io);
    try {
      const u = await (await UserStore.open(meta.state)).setDisabled(username, disabled);
      await meta.audit.record({ ...cliActor(), action: disabled ? 'user.disable' : 'user.enable', target: `user:${u.username}`, practice: u.practice });
      io.out(`user ${u.username} ${disabled ? 'disabled (signed out everywhere)' : 'enabled'}\n`);
      return 0;
    } finally {
      await meta.close();
    }
  };
}

export const command: Command = commandGroup({
  name: 'user',
  summary: 'dashboard users: create, list, set-role, password, disable, enable',
  help,
  subcommands: {
    create,
    list,
    'set-role': setRole,
    password,
    disable: toggle(true),
    enable: toggle(false),
  },
});
