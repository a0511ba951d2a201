/**
 * The organisation summary of a month: practices ranked by RAG (worst first), the worst
 * performers per area, month-on-month change, and the organisation medians of the headline
 * figures. Pure: built from the practices' headlines (this month's and last month's).
 */
import { AREA_TITLES, AREAS, type AreaId } from './model.ts';
import { ACCOUNTING, ACCOUNTING_RULES_VERSION, ragRank, type Rag } from './rules.ts';
import { HEADLINE_FIGURES, orgBaseline, type FigureId, type Headline } from './sections/summary.ts';

export interface OrgPracticeRow {
  rank: number;
  ods: string;
  name: string;
  overall: Rag;
  areas: Record<AreaId, Rag>;
  figures: Record<FigureId, number | null>;
  previousOverall: Rag | null;
  /** -1 worse, 0 same, 1 better, null without a previous month. */
  change: -1 | 0 | 1 | null;
}

export interface OrgWorst {
  area: AreaId;
  title: string;
  figure: FigureId | null;
  practices: Array<{ ods: string; name: string; rag: Rag; value: number | null }>;
}

export interface OrgSummary {
  kind: 'organisation-summary';
  rulesVersion: string;
  generatedAt: number;
  month: string;
  organisation: string;
  practices: OrgPracticeRow[];
  counts: Record<Rag, number>;
  previousCounts: Record<Rag, number> | null;
  worst: OrgWorst[];
  medians: Record<FigureId, number | null>;
}

/** The figure that orders the worst performers of an area (null: by RAG only). */
const AREA_FIGURE: Record<AreaId, FigureId | null> = {
  apps: 'app-availability-core',
  link: 'link-availability-core',
  lan: 'lan-rtt-p95',
  branch: null,
  incidents: null,
  servers: null,
  completeness: 'completeness',
};

function emptyCounts(): Record<Rag, number> {
  return { red: 0, amber: 0, green: 0, grey: 0 };
}

function redsAndAmbers(h: Headline): [number, number] {
  let reds = 0;
  let ambers = 0;
  for (const a of AREAS) {
    if (h.areas[a] === 'red') reds++;
    else if (h.areas[a] === 'amber') ambers++;
  }
  return [reds, ambers];
}

/** Compare figures so that worse comes first; missing values last. */
function worseFirst(figure: FigureId, a: number | null, b: number | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : 1) : -1;
  const better = HEADLINE_FIGURES.find((f) => f.id === figure)?.better ?? 'higher';
  return better === 'higher' ? a - b : b - a;
}

export function buildOrgSummary(opts: {
  month: string;
  organisation: string;
  names: ReadonlyMap<string, string>;
  current: readonly Headline[];
  previous: readonly Headline[];
  generatedAt: number;
}): OrgSummary {
  const prevByOds = new Map(opts.previous.map((h) => [h.ods, h]));
  const sorted = [...opts.current].sort((a, b) => {
    const [ra, aa] = redsAndAmbers(a);
    const [rb, ab] = redsAndAmbers(b);
    return (
      ragRank(b.overall) - ragRank(a.overall) ||
      rb - ra ||
      ab - aa ||
      worseFirst('link-availability-core', a.figures['link-availability-core'], b.figures['link-availability-core']) ||
      a.ods.localeCompare(b.ods)
    );
  });
  const counts = emptyCounts();
  const practices: OrgPracticeRow[] = sorted.map((h, i) => {
    counts[h.overall]++;
    const prev = prevByOds.get(h.ods)?.overall ?? null;
    const change =
      prev === null || prev === 'grey' || h.overall === 'grey' ? null : ragRank(h.overall) > ragRank(prev) ? -1 : ragRank(h.overall) < ragRank(prev) ? 1 : 0;
    return {
      rank: i + 1,
      ods: h.ods,
      name: opts.names.get(h.ods) ?? h.ods,
      overall: h.overall,
      areas: h.areas,
      figures: h.figures,
      previousOverall: prev,
      change,
    };
  });
  let previousCounts: Record<Rag, number> | null = null;
  if (opts.previous.length > 0) {
    previousCounts = emptyCounts();
    for (const h of opts.previous) previousCounts[h.overall]++;
  }
  const worst: OrgWorst[] = AREAS.map((area) => {
    const figure = AREA_FIGURE[area];
    const list = opts.current
      .filter((h) => h.areas[area] === 'red' || h.areas[area] === 'amber')
      .sort(
        (a, b) =>
          ragRank(b.areas[area]) - ragRank(a.areas[area]) ||
          (figure === null ? 0 : worseFirst(figure, a.figures[figure], b.figures[figure])) ||
          a.ods.localeCompare(b.ods),
      )
      .slice(0, ACCOUNTING.topN)
      .map((h) => ({ ods: h.ods, name: opts.names.get(h.ods) ?? h.ods, rag: h.areas[area], value: figure === null ? null : h.figures[figure] }));
    return { area, title: AREA_TITLES[area], figure, practices: list };
  });
  return {
    kind: 'organisation-summary',
    rulesVersion: ACCOUNTING_RULES_VERSION,
    generatedAt: opts.generatedAt,
    month: opts.month,
    organisation: opts.organisation,
    practices,
    counts,
    previousCounts,
    worst,
    medians: orgBaseline(opts.current).medians,
  };
}
