/**
 * `n3mon report` — the monthly CFH Applications Monitoring Report from the command line: one
 * practice, the organisation summary, or the whole month generated into the archive.
 */
import { dirname } from 'node:path';
import { pino } from 'pino';
import { parseFlags, usageError, type CliIO, type Command } from '../../../shared/src/cli/command.ts';
import { createLogger, type Logger } from '../../../shared/src/log.ts';
import { systemClock } from '../../../shared/src/clock.ts';
import { loadCollectorConfig, parseCollectorConfig } from '../config/load.ts';
import { openSeriesStore } from '../collector.ts';
import { assertOds } from '../auth/credentials.ts';
import { writeFileAtomic } from '../reports/archive.ts';
import { isReportFormat, REPORT_FORMATS, type Rendered } from '../reports/formats.ts';
import { createReportService, reportInputsFromConfig } from '../reports/index.ts';
import { reportWorkersFromConfig } from '../reports/workers/index.ts';
import type { CollectorConfig } from '../config/schema.ts';
import { ALERT_STATE_MIGRATIONS } from '../alerts/schema.ts';
import { AlertStore } from '../alerts/store.ts';
import { MaintenanceStore } from '../alerts/maintenance.ts';
import { alertIncidentSource } from '../reports/adapters.ts';
import { isMonth, monthOf, previousMonth, reportZone } from '../reports/month.ts';
import { DATA_DIR_FLAGS, DATA_DIR_HELP, openMetaFor, resolveDataDir } from './data-dir.ts';

const HELP = `usage: n3mon report --practice ODS --month YYYY-MM [--format html|pdf|csv] [--out FILE]
       n3mon report --organisation --month YYYY-MM [--format html|pdf|csv] [--out FILE]
       n3mon report --archive [--month YYYY-MM] [--force]
       (each with [--data-dir DIR | --config FILE])

The monthly CFH Applications Monitoring Report (docs/reports.md): availability, response times,
national link, LAN, incidents, servers and data completeness of a practice for a Europe/London
calendar month, computed from the store under the accounting rules (docs/accounting-rules.md).
A month that has been archived is served from the archive (reports.archiveDir/YYYY-MM/, by
default DIR/reports/YYYY-MM/). A month in
progress is judged on its elapsed part (up to 2 minutes before the report is made), and the
report says so.

  --practice ODS     one practice's report
  --organisation     the organisation summary: practices ranked by RAG, worst performers per
                     area, month-on-month change
  --archive          generate and archive every practice's report and the summary for a finished
                     month (default: last month), as the collector does on the 1st of each month;
                     practices already archived are kept unless --force; built in
                     reports.workers worker threads (default one per core)
  --month YYYY-MM    the month
  --format FORMAT    html (default; one self-contained file), pdf or csv
  --out FILE         write to FILE (atomically); without it html and csv go to stdout, and pdf
                     needs --out
  --force            with --archive: re-generate months already archived
${DATA_DIR_HELP}

The collector may be running: the stores are shared safely (SQLite WAL).
exit: 0 done, 1 failure (unknown practice, unreadable store), 2 usage error.
`;

const FLAGS = {
  practice: { type: 'string' },
  organisation: { type: 'boolean' },
  archive: { type: 'boolean' },
  month: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  force: { type: 'boolean' },
  ...DATA_DIR_FLAGS,
} as const;

function cliLogger(env: NodeJS.ProcessEnv): Logger {
  return createLogger({ level: env.N3MON_LOG_LEVEL ?? 'warn', name: 'n3mon-report', destination: pino.destination({ fd: 2, sync: true }) });
}

async function emit(r: Rendered, out: string | undefined, io: CliIO): Promise<void> {
  if (out === undefined) {
    io.out(r.body.toString('utf8'));
    return;
  }
  await writeFileAtomic(out, r.body);
  io.err(`wrote ${out} (${r.body.length} bytes)\n`);
}

export const command: Command = {
  name: 'report',
  summary: 'monthly report: `report --practice ODS --month YYYY-MM --format html|pdf|csv [--out FILE]`',
  help: HELP,
  async run(args: string[], io: CliIO): Promise<number> {
    const { values, help } = parseFlags(args, FLAGS);
    if (help) return (io.out(HELP), 0);
    const modes = [values.practice !== undefined, values.organisation === true, values.archive === true].filter(Boolean).length;
    if (modes !== 1) throw usageError('give exactly one of --practice ODS, --organisation, --archive');
    if (values.practice !== undefined) assertOds(values.practice);
    const format = values.format ?? 'html';
    if (!isReportFormat(format)) throw usageError(`--format must be one of ${REPORT_FORMATS.join(', ')} (got '${format}')`);
    if (values.archive !== true && values.month === undefined) throw usageError('--month YYYY-MM is required');
    if (values.month !== undefined && !isMonth(values.month)) throw usageError(`--month must be YYYY-MM (got '${values.month}')`);
    if (values.archive !== true && format === 'pdf' && values.out === undefined) throw usageError('a pdf needs --out FILE');
    if (values.force === true && values.archive !== true) throw usageError('--force goes with --archive');

    const where = resolveDataDir(values, io.env);
    const config: CollectorConfig =
      where.configFile === undefined ? parseCollectorConfig({ dataDir: where.dataDir }, '--data-dir') : loadCollectorConfig(where.configFile);
    const log = cliLogger(io.env);
    const meta = await openMetaFor(values, io);
    const store = openSeriesStore(config, log);
    // A month's archive is built on every core, as the collector does; a single report in this thread.
    const workers = values.archive === true ? reportWorkersFromConfig(config, log) : undefined;
    try {
      await meta.state.migrate('alerts', ALERT_STATE_MIGRATIONS); // the collector's alert history, if it has run
      const incidents = alertIncidentSource(new AlertStore(meta.state), new MaintenanceStore(meta.state));
      const service = createReportService({
        dataDir: config.dataDir,
        ...(config.reports?.archiveDir === undefined ? {} : { archiveDir: config.reports.archiveDir }),
        organisation: config.organisation.name,
        practicesConfig: config.practices,
        meta,
        store,
        ...reportInputsFromConfig(config, where.configFile === undefined ? {} : { baseDir: dirname(where.configFile) }),
        incidents,
        ...(workers === undefined ? {} : { workers }),
        clock: systemClock,
        log,
      });
      if (values.archive === true) {
        const month = values.month ?? previousMonth(monthOf(reportZone(), Date.now()));
        const r = await service.generateMonth(month, { force: values.force === true });
        io.out(
          `${month}: ${r.generated.length} generated, ${r.skipped.length} already archived, ${r.failed.length} failed in ${(r.ms / 1000).toFixed(1)} s; archive ${service.archive?.root ?? ''}/${month}\n`,
        );
        for (const f of r.failed) io.err(`  ${f.ods}: ${f.error}\n`);
        return r.failed.length > 0 ? 1 : 0;
      }
      const month = values.month as string;
      const rendered =
        values.practice !== undefined
          ? await service.renderPracticeReport(values.practice, month, format)
          : await service.renderOrganisationSummary(month, format);
      await emit(rendered, values.out, io);
      return 0;
    } finally {
      await workers?.close();
      await store.close();
      await meta.close();
    }
  },
};
