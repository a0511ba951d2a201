/**
 * The node flags a systemd unit in deploy/systemd/ starts n3mon with (between `node` and
 * `dist/cli.js` on its ExecStart line): benches run the processes as production does.
 */
import { readFileSync } from 'node:fs';

export function unitNodeArgs(unit: 'n3mon-agent' | 'n3mon-collector'): string[] {
  const text = readFileSync(new URL(`../deploy/systemd/${unit}.service`, import.meta.url), 'utf8');
  const m = /^ExecStart=\S+ (.*?)\s*\S+\/dist\/cli\.js /m.exec(text);
  return (m?.[1] ?? '').split(' ').filter((a) => a !== '');
}
