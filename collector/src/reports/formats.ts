/** The three output formats of a report, one registry (STYLE habit 7): format → renderer. */
import type { ZonedClock } from '../../../shared/src/calendar/zoned.ts';
import type { PracticeReport } from './model.ts';
import type { OrgSummary } from './organisation.ts';
import { practiceDocument } from './render/practice-document.ts';
import type { ReportDocument } from './render/document.ts';
import { orgDocument, renderOrgCsv } from './render/org-document.ts';
import { renderHtml } from './render/html.ts';
import { renderPdf } from './render/pdf.ts';
import { renderCsv } from './render/csv.ts';

export const REPORT_FORMATS = ['html', 'pdf', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface Rendered {
  body: Buffer;
  contentType: string;
  ext: ReportFormat;
}

interface FormatEntry {
  contentType: string;
  /** `doc`: the practice's document (built once for every format that lays it out). */
  practice: (r: PracticeReport, doc: () => ReportDocument) => Promise<Buffer>;
  organisation: (s: OrgSummary) => Promise<Buffer>;
}

const FORMATS: Record<ReportFormat, FormatEntry> = {
  html: {
    contentType: 'text/html; charset=utf-8',
    practice: async (_r, doc) => Buffer.from(renderHtml(doc()), 'utf8'),
    organisation: async (s) => Buffer.from(renderHtml(orgDocument(s)), 'utf8'),
  },
  pdf: {
    contentType: 'application/pdf',
    practice: (r, doc) => renderPdf(doc(), { createdAt: r.generatedAt }),
    organisation: (s) => renderPdf(orgDocument(s), { createdAt: s.generatedAt }),
  },
  csv: {
    contentType: 'text/csv; charset=utf-8',
    practice: async (r) => Buffer.from(renderCsv([r]), 'utf8'),
    organisation: async (s) => Buffer.from(renderOrgCsv(s), 'utf8'),
  },
};

export function contentTypeOf(format: ReportFormat): string {
  return FORMATS[format].contentType;
}

export function isReportFormat(x: string): x is ReportFormat {
  return (REPORT_FORMATS as readonly string[]).includes(x);
}

export async function renderPractice(r: PracticeReport, format: ReportFormat, zone: ZonedClock): Promise<Rendered> {
  return (await renderPracticeFormats(r, [format], zone))[0] as Rendered;
}

/** Several formats of one report; HTML and PDF share one document (laid out once). */
export async function renderPracticeFormats(r: PracticeReport, formats: readonly ReportFormat[], zone: ZonedClock): Promise<Rendered[]> {
  let doc: ReportDocument | undefined;
  const documentOf = (): ReportDocument => (doc ??= practiceDocument(r, zone));
  const out: Rendered[] = [];
  for (const format of formats) {
    const f = FORMATS[format];
    out.push({ body: await f.practice(r, documentOf), contentType: f.contentType, ext: format });
  }
  return out;
}

export async function renderOrganisation(s: OrgSummary, format: ReportFormat): Promise<Rendered> {
  const f = FORMATS[format];
  return { body: await f.organisation(s), contentType: f.contentType, ext: format };
}
