/**
 * The report's two outside inputs besides the store, adapted from the alerting code: alerts and
 * maintenance windows (collector/src/alerts/) as an IncidentSource, and the configured email
 * notification channel's SMTP server as the ReportMailer that sends practices their PDF.
 */
import type { Logger } from '../../../shared/src/log.ts';
import type { AlertStore } from '../alerts/store.ts';
import type { MaintenanceStore } from '../alerts/maintenance.ts';
import type { IncidentStore } from '../incidents/store.ts';
import { incidentSummary } from '../incidents/correlator.ts';
import type { Static } from 'typebox';
import { smtpOutcome, smtpTransport, type EmailConfig } from '../notifications/channels/email/index.ts';
import { withRetries } from '../notifications/channels/retry.ts';
import type { IncidentRecord } from './context.ts';
import type { IncidentSource } from './index.ts';
import type { ReportMailer } from './service.ts';

const PAGE = 500;

export function alertIncidentSource(alerts: AlertStore, maintenance: MaintenanceStore, national?: IncidentStore): IncidentSource {
  return {
    async incidents(ods, from, to) {
      const out: IncidentRecord[] = [];
      for (let offset = 0; ; offset += PAGE) {
        const page = await alerts.list({ practice: ods, from, to, limit: PAGE, offset });
        for (const a of page.items) {
          const target = a.labels.target ?? a.labels.device;
          out.push({
            id: String(a.id),
            rule: a.ruleId,
            severity: a.peak,
            subject: `${a.title}${target === undefined ? '' : ` — ${target}`}${a.cause === null ? '' : ' (explained by another alert)'}`,
            ...(a.labels.check === undefined ? {} : { check: `${a.agent}/${a.labels.check}` }),
            ...(a.labels.role === undefined ? {} : { role: a.labels.role }),
            start: a.startedAt,
            end: a.endedAt,
          });
        }
        if (offset + PAGE >= page.total) break;
      }
      const windows = (await maintenance.list({ practice: ods, from, to })).map((w) => ({ start: w.startsAt, end: w.endsAt, reason: w.reason }));
      const nationalIncidents = (national === undefined ? [] : await national.ofPractice(ods, from, to)).map((i) => ({
        id: i.id,
        scope: i.scope,
        summary: incidentSummary(i),
        start: i.startedAt,
        end: i.endedAt,
      }));
      return { alerts: out.sort((a, b) => a.start - b.start), maintenance: windows, national: nationalIncidents };
    },
  };
}

type EmailSettings = Pick<Static<typeof EmailConfig>, 'smtp' | 'from' | 'retry' | 'subjectPrefix'>;

/** Sends report PDFs through the SMTP server of the first `notifications[]` email channel. */
export function emailReportMailer(cfg: EmailSettings, deps: { log: Logger; sleep: (ms: number) => Promise<void> }): ReportMailer {
  const transport = smtpTransport(cfg.smtp);
  return {
    async send(msg) {
      const result = await withRetries(
        cfg.retry,
        async (attempt) => {
          try {
            await transport.sendMail({
              from: cfg.from,
              to: [...msg.to],
              subject: `${cfg.subjectPrefix} ${msg.subject}`,
              text: msg.text,
              attachments: msg.attachments,
            });
            return { outcome: 'delivered', retryable: false };
          } catch (err) {
            const r = smtpOutcome(err);
            deps.log.warn({ host: cfg.smtp.host, attempt, outcome: r.outcome, reason: r.message }, 'report email attempt failed');
            return r;
          }
        },
        deps.sleep,
      );
      if (result.outcome !== 'delivered')
        throw new Error(`report email not delivered: ${result.outcome}${result.message === undefined ? '' : ` (${result.message})`}`);
    },
  };
}
