/**
 * Canonical label sets and series keys. Two samples belong to the same series exactly when their
 * practice, agent, metric and label set (as a set: order of keys does not matter) are equal.
 */
import type { SeriesIdentity } from './types.ts';

/** The label set as JSON with keys in code-unit order: `{"a":"1","b":"2"}`. Stored as is. Defined once, shared with the agent's spool. */
export { canonicalLabels } from '../../../shared/src/labels.ts';

export function parseCanonicalLabels(text: string): Record<string, string> {
  return JSON.parse(text) as Record<string, string>;
}

/** Unambiguous key of a series identity (any characters in any part are safe). */
export function seriesKey(id: Pick<SeriesIdentity, 'practice' | 'agent' | 'metric'>, canonical: string): string {
  return JSON.stringify([id.practice, id.agent, id.metric]) + canonical;
}
