/**
 * The collector config sections alerting owns: `thresholds` (profile and overrides, see
 * collector/src/evaluation/), `calendar` (core hours), `alerting` (evaluation and notification timing)
 * `notifications` (channels) and `incidents` (national incidents, collector/src/incidents/). Merged into the collector config schema.
 */
import Type, { type Static } from 'typebox';
import { CalendarConfig, calendarConfigProblems } from '../../../shared/src/calendar/core-hours.ts';
import { ThresholdsConfig } from '../evaluation/profile-schema.ts';
import { buildThresholds, defaultProfilePath, parseProfile } from '../evaluation/profile.ts';
import { readConfigSource } from '../../../shared/src/config-file.ts';
import { isN3monError } from '../../../shared/src/errors.ts';
import { resolve } from 'node:path';
import { channelConfigProblems, NotificationsConfig } from './channels/registry.ts';
import { IncidentsConfig } from '../incidents/config.ts';

const Ms = (def: number, min: number, max: number, description: string) => Type.Integer({ minimum: min, maximum: max, default: def, description });

export const AlertingConfig = Type.Object(
  {
    stepMs: Ms(60_000, 1000, 600_000, 'Evaluation step in event time: every rule is evaluated for every step (sustain counts steps).'),
    graceMs: Ms(120_000, 0, 3_600_000, "How long to wait for an agent's late samples before evaluating a step."),
    tickMs: Ms(5000, 200, 60_000, 'How often the evaluator looks for new data (and notifications are sent).'),
    initialLookbackMs: Ms(6 * 3_600_000, 0, 7 * 86_400_000, 'How far back evaluation starts for an agent seen for the first time.'),
    groupWaitMs: Ms(30_000, 0, 3_600_000, 'Changes of one practice within this wait go out as one notification.'),
    reopenWithinMs: Ms(600_000, 0, 86_400_000, 'A re-raise within this of the resolution reopens the same alert; resolved notices wait this long.'),
  },
  { additionalProperties: false, default: {} },
);
export type AlertingConfig = Static<typeof AlertingConfig>;

export const alertingConfigFields = {
  thresholds: ThresholdsConfig,
  calendar: CalendarConfig,
  alerting: AlertingConfig,
  notifications: NotificationsConfig,
  incidents: IncidentsConfig,
};

/** Problems of these sections beyond the schema (profile file, overrides, calendar, channels), as `path: message`. */
export function alertingConfigProblems(config: {
  thresholds: ThresholdsConfig;
  calendar: CalendarConfig;
  notifications?: ReadonlyArray<{ kind: string }>;
}): string[] {
  const problems = [...calendarConfigProblems(config.calendar), ...channelConfigProblems(config.notifications ?? [])];
  const file = config.thresholds.profile === undefined ? defaultProfilePath() : resolve(config.thresholds.profile);
  let doc: unknown;
  try {
    doc = readConfigSource(file);
  } catch (err) {
    return [...problems, `thresholds.profile: ${isN3monError(err) ? err.message : String(err)}`];
  }
  const profile = parseProfile(doc);
  if (!profile.ok) return [...problems, ...profile.problems.map((p) => `thresholds.profile (${file}): ${p}`)];
  const built = buildThresholds(profile.value, config.thresholds);
  return built.ok ? problems : [...problems, ...built.problems];
}
