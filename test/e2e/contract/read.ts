/**
 * Reading the answers where a user reads them: the read API's JSON shapes the contract tests use,
 * and the month's report as a person (HTML table under a heading) or a spreadsheet (CSV rows)
 * sees it. Small on purpose: a table is read by its column titles, not by position.
 */

export interface ApiAlert {
  id: number;
  practice: string;
  rule: { id: string; title: string; source: string };
  area: string;
  metric: string;
  labels: Record<string, string>;
  severity: 'warning' | 'critical';
  state: 'open' | 'acknowledged' | 'resolved';
  value: number | null;
  unit: string;
  suppressed: boolean;
}

export interface ApiPracticeDetail {
  ods: string;
  status: string;
  openAlerts: number;
  areas?: Record<string, string>;
  reasons: string[];
  checks: Array<{ agent: string; check: string; role?: string; metrics: string[]; lastTs: number | null }>;
}

/** The calendar month the report of `at` falls in (reports are by Europe/London month). */
export function londonMonth(at: number): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit' }).formatToParts(new Date(at));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}`;
}

const text = (html: string): string =>
  html
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .trim();

/**
 * The first table after the heading whose text is `heading`, as rows keyed by column title.
 * Undefined when there is no such heading or table; [] when the table says it has no data.
 */
export function tableAfterHeading(html: string, heading: string): Array<Record<string, string>> | undefined {
  const h = [...html.matchAll(/<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/g)].find((m) => text(m[2] ?? '').startsWith(heading));
  if (h === undefined || h.index === undefined) return undefined;
  const start = html.indexOf('<table', h.index);
  const end = html.indexOf('</table>', start);
  if (start < 0 || end < 0) return undefined;
  const table = html.slice(start, end);
  const cells = (row: string): string[] => [...row.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/g)].map((m) => text(m[1] ?? ''));
  const rows = [...table.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) => m[1] ?? '');
  const [head, ...body] = rows;
  if (head === undefined) return undefined;
  const titles = cells(head);
  if (body.length === 1 && /class="empty"/.test(body[0] ?? '')) return [];
  return body.map((r) => Object.fromEntries(cells(r).map((c, i) => [titles[i] ?? String(i), c])));
}

/** "80.4 %" → 0.804; NaN for anything else ("no data", "—"). */
export function percent(cell: string | undefined): number {
  const m = /^(-?\d+(?:\.\d+)?) %$/.exec(cell ?? '');
  return m === null ? Number.NaN : Number(m[1]) / 100;
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF) → rows keyed by the header line. */
export function parseCsv(csv: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < csv.length; i++) {
    const c = csv[i] as string;
    if (quoted) {
      if (c === '"' && csv[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && csv[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      (row = []), (field = '');
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  const [head, ...body] = rows;
  return (body ?? []).map((r) => Object.fromEntries((head ?? []).map((h, i) => [h, r[i] ?? ''])));
}
