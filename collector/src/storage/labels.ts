/**
 * Canonical label sets and series keys. Two samples belong to the same series exactly when their
 * practice, agent, metric and label set (as a set: order of keys does not matter) are equal.
 */
import type { SeriesIdentity } from './types.ts';

/** The label set as JSON with keys in code-unit order: `{"a":"1","b":"2"}`. Stored as is. */
export function canonicalLabels(labels: Readonly<Record<string, string>>): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '{}';
  keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (i > 0) out += ',';
    out += JSON.stringify(k) + ':' + JSON.stringify(labels[k]);
  }
  return out + '}';
}

export function parseCanonicalLabels(text: string): Record<string, string> {
  return JSON.parse(text) as Record<string, string>;
}

/** Unambiguous key of a series identity (any characters in any part are safe). */
export function seriesKey(id: Pick<SeriesIdentity, 'practice' | 'agent' | 'metric'>, canonical: string): string {
  return JSON.stringify([id.practice, id.agent, id.metric]) + canonical;
}

/**
 * A cheap key for the write path: labels in the order the sample lists them (JSON keeps it
 * unambiguous whatever the characters). Agents send the same order every time, so this hits a
 * cache without sorting; a miss falls back to the canonical key. Never stored, and never equal to
 * a canonical key (one starts with `[`+4 items, the other ends in a label object).
 */
export function fastSeriesKey(practice: string, agent: string, metric: string, labels: Readonly<Record<string, string>>): string {
  return JSON.stringify([practice, agent, metric, labels]);
}
