// docs/accounting-rules.md and collector/src/reports/rules.ts describe the same rules: the version
// and every named constant must agree (STYLE habit 9).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCOUNTING, ACCOUNTING_RULES_VERSION } from '../../../collector/src/reports/rules.ts';
import { MIN_RUNS_PER_HOUR } from '../../../collector/src/reports/accounting.ts';

const doc = readFileSync(new URL('../../../docs/accounting-rules.md', import.meta.url), 'utf8');

describe('accounting rules document', () => {
  it('carries the version the code prints in every report', () => {
    expect(doc).toMatch(new RegExp(`^\\*\\*Version: ${ACCOUNTING_RULES_VERSION.replace('.', '\\.')}\\*\\*$`, 'm'));
  });

  it('states each named constant with the value the code uses', () => {
    const stated: Array<[string, string]> = [
      ['minCompletenessForVerdict', `${ACCOUNTING.minCompletenessForVerdict * 100} %`],
      ['minOutageMs', `${ACCOUNTING.minOutageMs / 60_000} minutes`],
      ['incidentMatchSlackMs', `${ACCOUNTING.incidentMatchSlackMs / 60_000} minutes`],
      ['withinThresholdAmber', `${ACCOUNTING.withinThresholdAmber * 100} %`],
      ['minListedGapMs', `${ACCOUNTING.minListedGapMs / 3_600_000} hour`],
      ['completenessGreen', `${ACCOUNTING.completenessGreen * 100} %`],
      ['completenessAmber', `${ACCOUNTING.completenessAmber * 100} %`],
      ['MIN_RUNS_PER_HOUR', `${MIN_RUNS_PER_HOUR} times an hour`],
      ['inProgressSettleMs', `${ACCOUNTING.inProgressSettleMs / 60_000} minutes`],
    ];
    for (const [name, value] of stated) {
      const at = doc.indexOf(`\`${name}\``);
      expect(at, `${name} is named in the document`).toBeGreaterThan(-1);
      // The value is stated in the same paragraph (within a few lines before the name).
      const around = doc.slice(Math.max(0, at - 400), at + 80);
      expect(around, `${name} = ${value}`).toContain(value);
    }
  });
});
