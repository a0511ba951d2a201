/** Plain-text rendering of a notification for email (and anything else that wants text). */
import type { NoticeItem, Notification } from '../types.ts';

function fmt(iso: string | null): string {
  return iso === null ? '' : iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

function valueText(i: NoticeItem): string {
  if (i.value === null) return '';
  const v = Math.abs(i.value) >= 100 ? i.value.toFixed(0) : Number(i.value.toPrecision(3)).toString();
  return ` — value ${v} ${i.unit}`;
}

export function subjectOf(n: Notification, prefix: string): string {
  if (n.incident !== undefined)
    return `${prefix === '' ? '' : `${prefix} `}NATIONAL INCIDENT ${n.incident.status === 'firing' ? 'FIRING' : 'RESOLVED'}: ${n.incident.summary}`;
  const firing = n.items.filter((i) => i.status === 'firing');
  const resolved = n.items.length - firing.length;
  const worst = firing.some((i) => i.severity === 'critical') ? 'CRITICAL' : firing.length > 0 ? 'WARNING' : 'RESOLVED';
  const parts = [firing.length > 0 ? `${firing.length} firing` : '', resolved > 0 ? `${resolved} resolved` : ''].filter((p) => p !== '');
  return `${prefix === '' ? '' : `${prefix} `}${worst} ${n.practice.ods} ${n.practice.name}: ${parts.join(', ')}`;
}

export function renderText(n: Notification): string {
  const lines = [`${n.organisation} — ${n.practice.name} (${n.practice.ods})`, ''];
  const inc = n.incident;
  if (inc !== undefined) {
    lines.push(`${inc.status === 'firing' ? 'FIRING' : 'RESOLVED'}: ${inc.summary}`);
    lines.push(
      `  since ${fmt(inc.startedAt)}${inc.endedAt === null ? '' : `, ended ${fmt(inc.endedAt)}`}; at most ${inc.peakPractices} practices at once; incident #${inc.incidentId} (${inc.ruleId})`,
    );
    lines.push(`  practices: ${inc.members.join(', ')}`, `  ${inc.alerts} practice alert(s) linked (not sent separately)`, '');
  }
  for (const i of n.items) {
    const head = i.status === 'firing' ? `FIRING ${i.severity.toUpperCase()}` : `RESOLVED (was ${i.peak})`;
    const target = i.labels.target ?? i.labels.device ?? i.labels.app ?? '';
    lines.push(`${head}: ${i.title}${target === '' ? '' : ` — ${target}`}${valueText(i)}`);
    lines.push(`  since ${fmt(i.startedAt)}${i.endedAt === null ? '' : `, ended ${fmt(i.endedAt)}`}; agent ${i.agent}; alert #${i.alertId} (${i.ruleId})`);
    if (i.suppressed > 0) lines.push(`  ${i.suppressed} dependent alert(s) suppressed (caused by this one)`);
    if (i.reopened > 0) lines.push(`  raised again ${i.reopened} time(s) within the flap window`);
    if (i.acknowledged !== null) lines.push(`  acknowledged by ${i.acknowledged.by}${i.acknowledged.note === null ? '' : `: ${i.acknowledged.note}`}`);
    lines.push(`  threshold source: ${i.source}`, '');
  }
  lines.push(`Sent ${fmt(n.sentAt)} by n3mon. Notification ${n.id}.`);
  return lines.join('\n');
}
