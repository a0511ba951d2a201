/**
 * The practice report's sections, in order: the one list that the HTML and PDF documents
 * (render/practice-document.ts), the CSV (render/csv.ts) and docs/reports.md ("What is in it")
 * follow. A section's number is its place here, never written by hand; adding a section is one
 * entry in this list (plus its builder and its blocks, which the renderers look up by `id`).
 */
export const REPORT_SECTIONS = [
  { id: 'summary', title: 'Summary', csv: ['summary'] },
  { id: 'apps', title: 'National applications', csv: ['national_apps'] },
  { id: 'link', title: 'National link', csv: ['national_link'] },
  { id: 'lan', title: 'Practice LAN', csv: ['lan', 'branch'] },
  { id: 'incidents', title: 'Incidents', csv: ['incidents'] },
  { id: 'servers', title: 'Servers', csv: ['servers'] },
  { id: 'completeness', title: 'Data completeness', csv: ['completeness'] },
  { id: 'appendix', title: 'Appendix', heading: 'Appendix: accounting rules and thresholds', csv: [] },
] as const satisfies ReadonlyArray<{
  id: string;
  /** As docs/reports.md lists it. */
  title: string;
  /** The heading in HTML and PDF, when longer than the title. */
  heading?: string;
  /** The CSV `section` values of its rows, in order (a part may have its own: the LAN's branch links). */
  csv: readonly string[];
}>;

export type SectionId = (typeof REPORT_SECTIONS)[number]['id'];

/** 1-based place of the section in the report. */
export function sectionNumber(id: SectionId): number {
  return REPORT_SECTIONS.findIndex((s) => s.id === id) + 1;
}

/** "3. National link" — the section's heading in HTML and PDF. */
export function sectionHeading(id: SectionId): string {
  const s = REPORT_SECTIONS[sectionNumber(id) - 1] as { title: string; heading?: string };
  return `${sectionNumber(id)}. ${s.heading ?? s.title}`;
}
