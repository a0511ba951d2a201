/**
 * A check's labels against the collector's rules (shared/src/sample-rules.ts, shared/src/labels.ts),
 * at start-up instead of at ingest: every sample of the check carries its static `labels:`, its
 * base labels (`check`, `role`, `target`, …) and its metrics' own labels, so a label the collector
 * would refuse there would cost every sample of the check.
 *
 * - a static label may not have a reserved name (`practice`, `agent`, `__*`) nor a name the agent
 *   sets itself (AGENT_LABELS, the kind's base labels): the agent's own label would be overridden
 *   or override it;
 * - static + base + the most a metric of the kind adds must stay within INGEST_LIMITS.maxLabels;
 * - every base label's value (the target, the id, …) must fit INGEST_LIMITS.maxLabelValueLength.
 */
import { AGENT_LABELS, maxOwnLabels } from '../../../shared/src/labels.ts';
import { formatProblem, labelProblems, withBase } from '../../../shared/src/sample-rules.ts';
import { formatPath } from '../../../shared/src/validate.ts';
import { INGEST_LIMITS } from '../../../shared/src/wire.ts';
import type { CheckKind } from '../probes/types.ts';

export interface LabelCheckInput {
  check: { kind: string } & Record<string, unknown>;
  index: number;
  /** The check's id (its `check` label). */
  id: string;
  kind: CheckKind;
}

const agentLabels = new Set(AGENT_LABELS);

export function labelRuleProblems({ check, index, id, kind }: LabelCheckInput): string[] {
  const at = formatPath(['checks', index, 'labels']);
  const own = (check.labels as Record<string, string> | undefined) ?? {};
  const base: Record<string, string> = { ...kind.baseLabels({ ...check, labels: undefined }), check: id };
  const out = labelProblems(own, at).map(formatProblem);
  for (const name of Object.keys(own)) {
    if (out.some((l) => l.startsWith(`${withBase(name, at)}: reserved`))) continue;
    if (agentLabels.has(name) || Object.hasOwn(base, name)) out.push(`${withBase(name, at)}: clashes with a label the agent sets itself`);
  }
  const names = new Set([...Object.keys(own), ...Object.keys(base)]);
  const added = maxOwnLabels(kind.kind);
  if (names.size + added > INGEST_LIMITS.maxLabels) {
    out.push(
      `${at}: too many labels: ${Object.keys(own).length} static + ${names.size - Object.keys(own).length} the check sets + up to ${added} a metric adds = ` +
        `${names.size + added}; the collector takes at most ${INGEST_LIMITS.maxLabels} on a sample`,
    );
  }
  for (const [name, value] of Object.entries(base)) {
    if (value.length <= INGEST_LIMITS.maxLabelValueLength) continue;
    const field = name === 'check' ? 'id' : name;
    const path = Object.hasOwn(check, field) ? formatPath(['checks', index, field]) : withBase(name, at);
    out.push(`${path}: must not have more than ${INGEST_LIMITS.maxLabelValueLength} characters (it becomes the \`${name}\` label of every sample)`);
  }
  return out;
}
