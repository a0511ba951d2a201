// Tests that run the CLI use dist/cli.js: build it once per test run so it is never stale.
// In CI a build failure stops the run; locally (where colleagues' work in progress may not build
// yet) it is reported and the tests that need dist/ fail on their own.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  try {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    console.warn(`global setup: the build failed (${(err as Error).message.split('\n')[0]}); tests that run dist/cli.js will fail`);
  }
}
