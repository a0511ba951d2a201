/**
 * The agent runs under `node --lite-mode` (deploy/systemd/n3mon-agent.service, the Windows
 * service; agent/src/v8-flags.ts), which turns WebAssembly off. Node's global fetch() parses HTTP
 * with undici's WebAssembly llhttp: under --lite-mode it rejects, and the process dies of an
 * unhandled "WebAssembly is not defined". So the agent's code (and the shared code it runs) talks
 * HTTP through node:http / node:https only; this keeps it so.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/** The code of a file without its comments (line and block). */
const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('the agent under --lite-mode', () => {
  it('the systemd unit starts it with --lite-mode (the Windows service: test/unit/deploy/windows.test.ts)', () => {
    expect(readFileSync(join(repo, 'deploy/systemd/n3mon-agent.service'), 'utf8')).toMatch(/^ExecStart=\S+ --lite-mode \S+\/dist\/cli\.js agent /m);
  });

  it('uses no global fetch(), WebSocket or WebAssembly in agent/ and shared/', () => {
    const offenders: string[] = [];
    for (const file of [...tsFiles(join(repo, 'agent/src')), ...tsFiles(join(repo, 'shared/src'))]) {
      // A method called fetch (`client.fetch(`, or declared/defined as `fetch(…)` / `async fetch(…)` at the start of a line) is fine; the global is not.
      const text = code(readFileSync(file, 'utf8')).replace(/^\s*(?:async\s+)?fetch\(/gm, '');
      if (/(?<![.\w])fetch\(|\bWebSocket\b|\bWebAssembly\b|\bEventSource\b/.test(text)) offenders.push(file.slice(repo.length));
    }
    expect(offenders).toEqual([]);
  });
});
