/**
 * Every rule a sample must pass to be stored, defined once and applied on both sides:
 * - the collector's ingest check (collector/src/ingest/check.ts) refuses a sample that breaks one
 *   and stores the others of its batch;
 * - the agent's sample path (agent/src/scheduler/run.ts) sets such a sample aside before it is
 *   spooled, and its config check (agent/src/config/parse.ts) refuses a check's `labels:` that
 *   would make every sample of the check break one.
 *
 * The rules: the wire schema (WireSample in ./wire.ts: metric name pattern and length, label name
 * pattern and length, label count, value length, finite value, integer ts ≥ 0, no other keys),
 * reserved label names (./labels.ts), and the timestamp window around the receiver's clock
 * (INGEST_LIMITS.maxAgeMs before, maxFutureMs after).
 *
 * Fast path: `sampleWithinRules` answers for a sample that already passed the compiled schema,
 * without allocating. Only a failing sample pays for `sampleProblems`' explanations.
 */
import { INGEST_LIMITS, WireLabels, WireSample } from './wire.ts';
import { isReservedLabelName, reservedLabelMessage } from './labels.ts';
import { problemsOf } from './validate.ts';

/** Stable codes: what an agent groups its log lines and counts by. Append, never rename. */
export const SAMPLE_RULES = ['schema', 'label_reserved', 'ts_too_old', 'ts_future'] as const;
/**
 * Rules only the collector can judge (the agent cannot know before sending): `series_limit` — a
 * sample of a new series beyond its agent's or practice's series limit (collector config
 * `ingest.maxSeriesPerAgent` / `ingest.maxSeriesPerPractice`). Append, never rename.
 */
export const COLLECTOR_SAMPLE_RULES = ['series_limit'] as const;
/** Every `rule` an IngestResponse's `refused` entry may carry. */
export const REFUSAL_RULES = [...SAMPLE_RULES, ...COLLECTOR_SAMPLE_RULES] as const;
export type RefusalRule = (typeof REFUSAL_RULES)[number];
export type SampleRule = (typeof SAMPLE_RULES)[number];

export interface SampleProblem {
  readonly rule: SampleRule;
  /** `samples[3].labels.__site`, `checks[1].labels.practice`, … */
  readonly path: string;
  readonly message: string;
}

const DAY_MS = 86_400_000;

export function formatProblem(p: SampleProblem): string {
  return `${p.path}: ${p.message}`;
}

/** A `path: message` line relative to a value (`(root): …`, `labels.x: …`) made relative to `base`. */
export function withBase(line: string, base: string): string {
  if (base === '(root)' || base === '') return line;
  if (line.startsWith('(root)')) return base + line.slice('(root)'.length);
  if (line.startsWith('[') || line.startsWith(':')) return base + line;
  return `${base}.${line}`;
}

function splitLine(line: string, base: string, rule: SampleRule): SampleProblem {
  const full = withBase(line, base);
  const at = full.indexOf(': ');
  return at < 0 ? { rule, path: base, message: full } : { rule, path: full.slice(0, at), message: full.slice(at + 2) };
}

function iso(ts: number): string {
  return Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : 'out of range';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The window of timestamps accepted at `now`. */
export function tsWindow(now: number): { oldest: number; newest: number } {
  return { oldest: now - INGEST_LIMITS.maxAgeMs, newest: now + INGEST_LIMITS.maxFutureMs };
}

/**
 * For a sample that passed the compiled WireSample schema: true when no other rule refuses it.
 * No allocation (the ingest fast path runs this for every sample).
 */
export function sampleWithinRules(s: WireSample, oldest: number, newest: number): boolean {
  if (s.ts < oldest || s.ts > newest) return false;
  for (const k in s.labels) if (isReservedLabelName(k)) return false;
  return true;
}

/** Reserved names among `labels`' keys (any value), as problems under `path`. */
export function reservedLabelProblems(labels: unknown, path: string, out: SampleProblem[] = []): SampleProblem[] {
  if (!isObject(labels)) return out;
  for (const k in labels) {
    const message = reservedLabelMessage(k);
    if (message !== undefined) out.push({ rule: 'label_reserved', path: withBase(k, path), message });
  }
  return out;
}

/** Every problem with a label set as the collector would see it (schema, then reserved names). */
export function labelProblems(labels: unknown, path: string): SampleProblem[] {
  const out = problemsOf(WireLabels, labels).map((l) => splitLine(l, path, 'schema'));
  return reservedLabelProblems(labels, path, out);
}

/** Problems of a timestamp against the window around `now`. */
export function tsProblems(ts: number, now: number, path: string, out: SampleProblem[] = []): SampleProblem[] {
  const { oldest, newest } = tsWindow(now);
  if (ts < oldest) {
    out.push({
      rule: 'ts_too_old',
      path,
      message: `${ts} (${iso(ts)}) is more than ${INGEST_LIMITS.maxAgeMs / DAY_MS} days before the collector's clock (${iso(now)})`,
    });
  } else if (ts > newest) {
    out.push({
      rule: 'ts_future',
      path,
      message: `${ts} (${iso(ts)}) is more than ${INGEST_LIMITS.maxFutureMs / 60_000} minutes ahead of the collector's clock (${iso(now)})`,
    });
  }
  return out;
}

/**
 * Every problem with one sample, each with its rule; [] when it would be stored.
 * @param now the receiver's clock (the collector's; the agent uses its own).
 * @param path where the sample sits, e.g. `samples[3]`.
 */
export function sampleProblems(sample: unknown, now: number, path = '(root)'): SampleProblem[] {
  const out = problemsOf(WireSample, sample).map((l) => splitLine(l, path, 'schema'));
  if (!isObject(sample)) return out;
  const tsPath = withBase('ts', path);
  if (typeof sample.ts === 'number') tsProblems(sample.ts, now, tsPath, out);
  reservedLabelProblems(sample.labels, withBase('labels', path), out);
  return out;
}
