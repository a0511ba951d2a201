/**
 * Checking an ingest body. The fast path is one compiled TypeBox check of the whole body plus one
 * loop for what a schema cannot say (timestamps against the collector's clock, reserved labels).
 * Only a failing body pays for explanations: every problem as `path: message`.
 */
import { INGEST_LIMITS, IngestBody, RESERVED_LABELS } from '../../../shared/src/wire.ts';
import { checker, problemsOf } from '../../../shared/src/validate.ts';

const isIngestBody = checker(IngestBody);

export const MAX_PROBLEMS = 50;
const MAX_LINE = 300;
const DAY_MS = 86_400_000;

export type CheckedBody = { ok: true; body: IngestBody } | { ok: false; problems: string[]; samples: number };

function iso(ts: number): string {
  return Math.abs(ts) <= 8.64e15 ? new Date(ts).toISOString() : 'out of range';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const reserved: readonly string[] = RESERVED_LABELS;

/** Rules that need the collector's clock or are about label names; appends to `out`. */
function semanticProblems(samples: readonly unknown[], now: number, out: string[]): void {
  const oldest = now - INGEST_LIMITS.maxAgeMs;
  const newest = now + INGEST_LIMITS.maxFutureMs;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    if (!isObject(s)) continue;
    const ts = s.ts;
    if (typeof ts === 'number') {
      if (ts < oldest) out.push(`samples[${i}].ts: ${ts} (${iso(ts)}) is more than ${INGEST_LIMITS.maxAgeMs / DAY_MS} days before the collector's clock (${iso(now)})`);
      else if (ts > newest) out.push(`samples[${i}].ts: ${ts} (${iso(ts)}) is more than ${INGEST_LIMITS.maxFutureMs / 60_000} minutes ahead of the collector's clock (${iso(now)})`);
    }
    const labels = s.labels;
    if (isObject(labels)) {
      for (const k in labels) {
        if (reserved.includes(k)) out.push(`samples[${i}].labels.${k}: reserved label; the collector sets it from the token`);
        else if (k.charCodeAt(0) === 95 && k.charCodeAt(1) === 95) out.push(`samples[${i}].labels.${k}: reserved label name (names starting with __ are reserved)`);
      }
    }
  }
}

/** Every problem with an ingest body, or the body itself typed. */
export function checkIngestBody(value: unknown, now: number): CheckedBody {
  const problems: string[] = [];
  const samples = isObject(value) && Array.isArray(value.samples) ? (value.samples as unknown[]) : undefined;
  if (!isIngestBody(value)) {
    if (samples !== undefined && samples.length > INGEST_LIMITS.maxSamples) {
      // Do not explain tens of thousands of items: the count alone is the answer.
      problems.push(...problemsOf(IngestBody, { ...(value as Record<string, unknown>), samples: [] }));
      problems.push(`samples: must not have more than ${INGEST_LIMITS.maxSamples} items (got ${samples.length}); send smaller batches`);
      return { ok: false, problems, samples: samples.length };
    }
    problems.push(...problemsOf(IngestBody, value));
  }
  if (samples !== undefined) semanticProblems(samples, now, problems);
  if (problems.length === 0) return { ok: true, body: value as IngestBody };
  return { ok: false, problems, samples: samples?.length ?? 0 };
}

/** At most `max` lines (each at most 300 characters), then "…and N more". */
export function capProblems(problems: readonly string[], max = MAX_PROBLEMS): string[] {
  const lines = problems.slice(0, max).map((p) => (p.length > MAX_LINE ? `${p.slice(0, MAX_LINE - 1)}…` : p));
  if (problems.length > max) lines.push(`…and ${problems.length - max} more`);
  return lines;
}
