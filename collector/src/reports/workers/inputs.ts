/**
 * A practice-month's build inputs that live on the main thread — the practice's facts, its
 * effective thresholds, the core-hours calendar, alerts and maintenance windows (meta.db), and
 * which series it has (the collector's store) — resolved there as plain data, so a worker needs
 * only its own reader of the store to build the same report (buildPracticeReport, unchanged).
 */
import { N3monError } from '../../../../shared/src/errors.ts';
import type { Logger } from '../../../../shared/src/log.ts';
import { DDSketch } from '../../storage/sketch.ts';
import type { SeriesReader } from '../../storage/registry.ts';
import type { SeriesSelector, StoredSeries } from '../../storage/types.ts';
import { REPORT_METRICS, type BuildOptions, type ReportSources } from '../build.ts';
import type { IncidentRecord, MaintenanceRecord, PracticeFacts } from '../context.ts';
import type { NationalIncidentRecord } from '../incident-split.ts';
import type { Interval } from '../intervals.ts';
import { judgedEnd, monthFrame, reportZone } from '../month.ts';
import { thresholdsFromRefs, type ThresholdRef } from '../thresholds.ts';

export interface BuildInputs {
  ods: string;
  month: string;
  now: number;
  practice: PracticeFacts;
  thresholds: ThresholdRef[];
  coreHoursText: string;
  /** sources.coreIntervals over the judged part of the month: the one range a build asks for. */
  core: { from: number; to: number; intervals: Interval[] };
  /** Undefined: no alert store (the report says so). */
  incidents?: { alerts: IncidentRecord[]; maintenance: MaintenanceRecord[]; national?: NationalIncidentRecord[] };
  /** The practice's series of REPORT_METRICS (findSeries on the collector's store). */
  series: StoredSeries[];
  options: BuildOptions;
}

/** The inputs of one build, from the main thread's sources (throws as buildPracticeReport would for an unknown practice). */
export async function resolveBuildInputs(src: ReportSources, ods: string, month: string, options: BuildOptions): Promise<BuildInputs> {
  const practice = await src.practice(ods);
  if (practice === undefined) throw new N3monError('N3MON_ERR_NOT_FOUND', `practice ${ods} is not known to this collector`);
  const frame = monthFrame(month, reportZone());
  const now = src.now();
  if (now < frame.start) throw new N3monError('N3MON_ERR_REQUEST_INVALID', `month ${month} has not started yet`);
  const to = judgedEnd(frame, now);
  const inputs: BuildInputs = {
    ods,
    month,
    now,
    practice,
    thresholds: [...src.thresholdsFor(ods).all()],
    coreHoursText: src.coreHoursText,
    core: { from: frame.start, to, intervals: src.coreIntervals(frame.start, to) },
    series: await src.store.findSeries({ practice: ods, metric: REPORT_METRICS }),
    options,
  };
  if (src.incidents !== undefined) inputs.incidents = await src.incidents(ods, frame.start, frame.end);
  return inputs;
}

function sameSelector(sel: SeriesSelector, ods: string): boolean {
  return sel.practice === ods && Array.isArray(sel.metric) && sel.metric.length === REPORT_METRICS.length && sel.labels === undefined;
}

/** ReportSources in a worker: the resolved inputs, and the worker's own reader for the buckets. */
export function sourcesFromInputs(inputs: BuildInputs, reader: Pick<SeriesReader, 'aggregate'>, log: Logger): ReportSources {
  const thresholds = thresholdsFromRefs(inputs.thresholds);
  return {
    store: {
      findSeries: async (sel) => {
        if (!sameSelector(sel, inputs.ods)) throw new N3monError('N3MON_ERR_INTERNAL', `report worker: unexpected findSeries ${JSON.stringify(sel)} (a bug)`);
        return inputs.series;
      },
      aggregate: (q) => reader.aggregate(q),
    },
    newSketch: () => new DDSketch(),
    coreIntervals: (from, to) => {
      if (from !== inputs.core.from || to !== inputs.core.to)
        throw new N3monError(
          'N3MON_ERR_INTERNAL',
          `report worker: core hours asked for [${from}, ${to}), resolved for [${inputs.core.from}, ${inputs.core.to}) (a bug)`,
        );
      return inputs.core.intervals;
    },
    coreHoursText: inputs.coreHoursText,
    thresholdsFor: () => thresholds,
    practice: (ods) => (ods === inputs.ods ? inputs.practice : undefined),
    ...(inputs.incidents === undefined ? {} : { incidents: async () => inputs.incidents as NonNullable<BuildInputs['incidents']> }),
    now: () => inputs.now,
    log,
  };
}
