/** docs/thresholds.md is kept in step with the shipped profile and the delivery outcomes. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultProfilePath, loadProfileFile, packageRoot } from '../../../collector/src/evaluation/profile.ts';
import { DELIVERY_OUTCOMES } from '../../../collector/src/notifications/channels/types.ts';

const doc = readFileSync(join(packageRoot(), 'docs', 'thresholds.md'), 'utf8');
const rows = new Map(
  doc
    .split('\n')
    .filter((l) => /^\| `[a-z0-9-]+` \|/.test(l))
    .map((l) => [/^\| `([a-z0-9-]+)`/.exec(l)![1]!, l]),
);

describe('docs/thresholds.md', () => {
  it('has a row for every rule of the default profile, with its source word for word', () => {
    for (const r of loadProfileFile(defaultProfilePath()).rules) {
      const row = rows.get(r.id);
      expect(row, `no row for ${r.id}`).toBeDefined();
      expect(row!.trimEnd().endsWith(`| ${r.source} |`), `${r.id}: source differs`).toBe(true);
    }
  });

  it('lists every delivery outcome', () => {
    for (const o of DELIVERY_OUTCOMES) expect(doc).toContain(`| \`${o}\` |`);
  });
});
