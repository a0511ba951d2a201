// The report schedule under the 'reports' lease (collector/src/reports/scheduler.ts): a collector
// that does not hold it generates nothing; on a gain it tries at once, and a month the dead holder
// left unfinished (practices archived, the organisation summary not) is due again for the new one.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../shared/src/log.ts';
import { startReportScheduler } from '../../../collector/src/reports/scheduler.ts';
import type { GenerateResult, ReportService } from '../../../collector/src/reports/service.ts';

const NOW = Date.UTC(2026, 10, 3, 9, 0); // 3 November: October is due

function stubService(archived: Set<string>): { service: ReportService; months: string[] } {
  const months: string[] = [];
  const service = {
    archive: { has: (month: string, who: string) => archived.has(`${month}/${who}`) },
    async generateMonth(month: string): Promise<GenerateResult> {
      months.push(month);
      archived.add(`${month}/organisation`);
      return { month, generated: ['A81002'], skipped: ['A81001'], empty: [], failed: [], emailed: [], ms: 1 };
    },
  } as unknown as ReportService;
  return { service, months };
}

describe('the report schedule with several collectors', () => {
  it('generates only on the holder, at once when it gains the lease, finishing a month left half-archived', async () => {
    // The dead holder archived A81001's October and died before A81002 and the summary.
    const { service, months } = stubService(new Set(['2026-10/A81001']));
    let held = false;
    const gains: (() => void)[] = [];
    const scheduler = startReportScheduler({
      service,
      clock: { now: () => NOW, monotonic: () => 0 },
      log: silentLogger(),
      hour: 2,
      email: false,
      tickMs: 3_600_000,
      lease: { holds: () => held, onGain: (fn) => gains.push(fn) },
    });
    try {
      expect(await scheduler.tick()).toBeUndefined();
      expect(months).toEqual([]); // not the holder: nothing
      held = true;
      for (const fn of gains) fn(); // the lease is gained: the schedule runs now, not at its next tick
      const r = await scheduler.tick(); // joins the run the gain started
      expect(months).toEqual(['2026-10']);
      expect(r).toMatchObject({ month: '2026-10', skipped: ['A81001'], generated: ['A81002'] });
      expect(await scheduler.tick()).toBeUndefined(); // archived now: not again
    } finally {
      await scheduler.stop();
    }
  });
});
