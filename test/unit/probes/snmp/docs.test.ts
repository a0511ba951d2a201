// The SNMP probe's documented names stay in step with the code: every discontinuity `reason` the
// rate calculator can record is in README.md's reasons table and in the metric's help (METRICS,
// hence docs/metrics.md), and nothing documented there is unknown to the code.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DISCONTINUITY_REASONS } from '../../../../agent/src/probes/snmp/rates.ts';
import { METRICS } from '../../../../shared/src/metrics.ts';

describe('snmp probe docs', () => {
  it("README.md's reasons table lists every snmp_if_counter_discontinuity reason, and no other", () => {
    const text = readFileSync(new URL('../../../../agent/src/probes/snmp/README.md', import.meta.url), 'utf8');
    const start = text.indexOf('| `reason` |');
    expect(start).toBeGreaterThan(0);
    const table = text.slice(start, text.indexOf('\n\n', start)).split('\n').slice(2); // after header and rule
    const rows = table.map((line) => line.match(/^\| `([a-z0-9_]+)` \|/)?.[1]);
    expect(rows.sort()).toEqual([...DISCONTINUITY_REASONS].sort());
  });

  it("the metric's help (and so docs/metrics.md) names every reason", () => {
    const help = METRICS.snmp_if_counter_discontinuity.help;
    const listed = (help.match(/`reason` = ([a-z0-9_ |]+)/)?.[1] ?? '')
      .split('|')
      .map((r) => r.trim())
      .filter((r) => r !== '');
    expect(listed.sort()).toEqual([...DISCONTINUITY_REASONS].sort());
  });
});
