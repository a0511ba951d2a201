/**
 * What the report needs from collector.yaml, as schema pieces the collector config includes
 * (STYLE habit 3): per practice the equipment list, the contracted bandwidth and who receives the
 * PDF; and the `reports` section (monthly schedule, emailing).
 */
import Type, { type Static } from 'typebox';
import type { PracticeFacts } from './context.ts';

export const ASSET_CLASSES = ['pc', 'server', 'switch', 'router-firewall'] as const;

export const Asset = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'What it is, e.g. "Reception PC 3" or "Main switch".' }),
    class: Type.Union(
      ASSET_CLASSES.map((c) => Type.Literal(c)),
      { description: 'Which asset-age rule applies.' },
    ),
    installed: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'Date it went into service, YYYY-MM-DD.' }),
  },
  { additionalProperties: false },
);

export const PracticeLink = Type.Object(
  {
    contractedDownBps: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Contracted download bandwidth of the national link, bit/s.' })),
    contractedUpBps: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Contracted upload bandwidth, bit/s.' })),
  },
  { additionalProperties: false },
);

const Email = Type.String({ pattern: '^[^\\s@]+@[^\\s@]+$', maxLength: 254 });

/** Keys a `practices[]` entry of collector.yaml may carry for its report (all optional). */
export const practiceReportFields = {
  assets: Type.Optional(Type.Array(Asset, { maxItems: 500, description: 'Equipment, for "equipment due for replacement" (docs/reports.md).' })),
  link: Type.Optional(PracticeLink),
  reportTo: Type.Optional(Type.Array(Email, { maxItems: 20, description: 'Who receives the monthly report PDF by email.' })),
};

export const ReportsConfig = Type.Object(
  {
    schedule: Type.Object(
      {
        enabled: Type.Boolean({ default: true, description: "Generate and archive every practice's report for the month before, on the 1st of each month." }),
        hour: Type.Integer({
          minimum: 0,
          maximum: 23,
          default: 2,
          description: 'Local hour (Europe/London) on the 1st to run, leaving late samples time to arrive.',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    email: Type.Object(
      {
        enabled: Type.Boolean({ default: false, description: 'Email each practice its PDF (to practices[].reportTo) through the email notification channel.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    archiveDir: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'Where monthly reports are archived (YYYY-MM/ODS.{json,html,pdf,csv}); relative to the working directory. Absent: <dataDir>/reports. When several collectors run (docs/architecture.md), a directory all of them share (NFS/SMB): the archive is files, not state-database rows.',
      }),
    ),
    workers: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 64,
        description:
          'Worker threads that build and render reports, each with its own read connection to the store; 0 = in the main thread. Absent: one per core, at most 4 (docs/reports.md).',
      }),
    ),
  },
  { additionalProperties: false, description: 'Monthly report generation and emailing (docs/reports.md); absent = the defaults.' },
);
export type ReportsConfig = Static<typeof ReportsConfig>;

export interface PracticeConfigForReport {
  ods: string;
  name: string;
  sites: ReadonlyArray<{ name: string }>;
  assets?: ReadonlyArray<{ name: string; class: string; installed: string }>;
  link?: { contractedDownBps?: number; contractedUpBps?: number };
  reportTo?: readonly string[];
}

/** The facts a report prints about a practice: meta.db's row, completed by its config entry. */
export function practiceFacts(
  row: { ods: string; name: string; sites: ReadonlyArray<{ name: string }> },
  cfg: PracticeConfigForReport | undefined,
  organisation: string,
): PracticeFacts {
  const facts: PracticeFacts = {
    ods: row.ods,
    name: row.name,
    organisation,
    sites: row.sites.map((s) => s.name),
    assets: (cfg?.assets ?? []).map((a) => ({ name: a.name, kind: a.class, installed: a.installed })),
  };
  if (cfg?.link?.contractedDownBps !== undefined) facts.contractedDownBps = cfg.link.contractedDownBps;
  if (cfg?.link?.contractedUpBps !== undefined) facts.contractedUpBps = cfg.link.contractedUpBps;
  return facts;
}
