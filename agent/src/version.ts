/**
 * The agent's version: package.json's `version`, read once at start. The file is found by walking
 * up from this module, so it works from the sources (agent/src/), from a build (dist/ or
 * dist/chunks/) and from an installed release (/opt/n3mon, whose package.json carries the
 * version the release was built as). Sent to the collector in the User-Agent header.
 */
import { readFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentUserAgent } from '../../shared/src/agent-credential.ts';

export function readAgentVersion(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'n3mon' && typeof pkg.version === 'string') return pkg.version;
    } catch (err) {
      // No package.json here (ENOENT) or not ours: look one level up.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) return 'unknown';
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return 'unknown';
}

/** `n3mon-agent/<version> (<platform>; <arch>)`. */
export function userAgentOfThisAgent(): string {
  return agentUserAgent(readAgentVersion(), platform(), arch());
}
