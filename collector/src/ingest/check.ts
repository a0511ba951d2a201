/**
 * Checking an ingest body. The fast path is one compiled TypeBox check of the whole body plus one
 * allocation-free loop for the rules a schema cannot say (shared/src/sample-rules.ts: timestamps
 * against the collector's clock, reserved label names). Only a body that fails pays for more:
 *
 * - a bad envelope (not an object, bad batchId, unknown keys, samples not an array or too many):
 *   not ok, every problem as `path: message` (a 400);
 * - otherwise each sample is judged alone by the shared rules: the good ones go on to be stored,
 *   the others are listed in `refused` (index, rule, problem) — one bad sample never costs the
 *   batch's other samples.
 */
import { INGEST_LIMITS, IngestBody, IngestEnvelope, MAX_REFUSED_PROBLEMS, WireSample, type RefusedSample } from '../../../shared/src/wire.ts';
import { formatProblem, sampleProblems, sampleWithinRules, tsWindow } from '../../../shared/src/sample-rules.ts';
import { checker, problemsOf } from '../../../shared/src/validate.ts';

const isIngestBody = checker(IngestBody);
const isEnvelope = checker(IngestEnvelope);
const isWireSample = checker(WireSample);

export const MAX_PROBLEMS = 50;
const MAX_LINE = 300;

export type CheckedBody = { ok: true; body: IngestBody; refused: RefusedSample[] } | { ok: false; problems: string[]; samples: number };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const NONE: RefusedSample[] = [];

/** The body's envelope problems (a 400), or the body split into stored and refused samples. */
export function checkIngestBody(value: unknown, now: number): CheckedBody {
  const { oldest, newest } = tsWindow(now);
  if (isIngestBody(value)) {
    const samples = value.samples;
    let i = 0;
    while (i < samples.length && sampleWithinRules(samples[i] as WireSample, oldest, newest)) i++;
    if (i === samples.length) return { ok: true, body: value, refused: NONE };
  }
  if (!isEnvelope(value)) return { ok: false, ...envelopeProblems(value, now) };
  return splitSamples(value as { batchId: string; samples: unknown[] }, now);
}

function envelopeProblems(value: unknown, now: number): { problems: string[]; samples: number } {
  const samples = isObject(value) && Array.isArray(value.samples) ? (value.samples as unknown[]) : undefined;
  if (samples !== undefined && samples.length > INGEST_LIMITS.maxSamples) {
    // Do not explain tens of thousands of items: the count alone is the answer.
    const problems = problemsOf(IngestEnvelope, { ...(value as Record<string, unknown>), samples: [] });
    problems.push(`samples: must not have more than ${INGEST_LIMITS.maxSamples} items (got ${samples.length}); send smaller batches`);
    return { problems, samples: samples.length };
  }
  // The envelope decides the 400; the samples' own problems are listed too, to fix them in one go.
  return { problems: [...problemsOf(IngestEnvelope, value), ...refusedProblems(value, now)], samples: samples?.length ?? 0 };
}

function splitSamples(value: { batchId: string; samples: unknown[] }, now: number): CheckedBody {
  const { oldest, newest } = tsWindow(now);
  const good: WireSample[] = [];
  const refused: RefusedSample[] = [];
  value.samples.forEach((s, index) => {
    if (isWireSample(s) && sampleWithinRules(s, oldest, newest)) {
      good.push(s);
      return;
    }
    const problems = sampleProblems(s, now, `samples[${index}]`);
    const first = problems[0];
    const entry: RefusedSample = { index, rule: first?.rule ?? 'schema' };
    if (refused.length < MAX_REFUSED_PROBLEMS) {
      const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
      entry.problem = clip(first === undefined ? `samples[${index}]: refused` : formatProblem(first) + more);
    }
    refused.push(entry);
  });
  return { ok: true, body: { batchId: value.batchId, samples: good }, refused };
}

/** Every problem of every refused sample as `path: message` (for tests and logs). */
export function refusedProblems(value: unknown, now: number): string[] {
  if (!isObject(value) || !Array.isArray(value.samples)) return [];
  return value.samples.flatMap((s, i) => sampleProblems(s, now, `samples[${i}]`).map(formatProblem));
}

function clip(line: string): string {
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE - 1)}…` : line;
}

/** At most `max` lines (each at most 300 characters), then "…and N more". */
export function capProblems(problems: readonly string[], max = MAX_PROBLEMS): string[] {
  const lines = problems.slice(0, max).map(clip);
  if (problems.length > max) lines.push(`…and ${problems.length - max} more`);
  return lines;
}
