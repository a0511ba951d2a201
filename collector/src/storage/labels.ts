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
