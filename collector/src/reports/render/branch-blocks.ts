/** Section 4's "Branch links" part (collector/src/reports/sections/branch.ts) as document blocks and CSV rows. */
import type { AvailabilityFigure, BranchSection } from '../model.ts';
import type { ThresholdRef } from '../thresholds.ts';
import type { Level } from '../thresholds.ts';
import { cell, type Block, type Cell } from './document.ts';
import { fmtDuration, fmtMs, fmtPct, fmtRule, NO_DATA } from './format.ts';

export function branchBlocks(b: BranchSection | undefined): Block[] {
  if (b === undefined) return []; // a report archived before branch links were judged
  const out: Block[] = [{ type: 'heading', level: 3, text: 'Branch links', rag: b.rag }];
  if (b.target !== null)
    out.push({ type: 'paragraph', text: `Target: availability at least ${fmtPct(b.target.warning, 1)} (${b.target.label}; ${b.target.source}).` });
  out.push({
    type: 'table',
    columns: [
      { title: 'Branch site', weight: 1.2 },
      { title: 'Probe target', weight: 1.3 },
      { title: 'Core hours', align: 'right' },
      { title: '24×7', align: 'right' },
      { title: 'Unknown (24×7)', align: 'right' },
      { title: 'RTT p50', align: 'right' },
      { title: 'RTT p95', align: 'right' },
      { title: 'Loss', align: 'right' },
      { title: 'Availability', align: 'center' },
      { title: 'RTT / loss vs rule', align: 'center' },
    ],
    rows: b.sites.map((s) => [
      cell(s.site ?? '—'),
      cell(s.target),
      cell(fmtPct(s.core.availability, 3)),
      cell(fmtPct(s.all.availability, 3)),
      cell(fmtDuration(s.all.unknownMs)),
      cell(fmtMs(s.rtt.p50)),
      cell(fmtMs(s.rtt.p95)),
      cell(fmtPct(s.lossMean, 3)),
      worse(s.core, s.all),
      levelCell(s.level),
    ]),
    empty: 'No data: no branch-site checks this month.',
  });
  const rules = [b.rttThreshold, b.lossThreshold].filter((t) => t !== null);
  if (rules.length > 0) out.push({ type: 'list', items: rules.map((t) => `${t.label}: ${fmtRule(t)} — ${t.source}`) });
  return [...out, ...b.notes.map((text) => ({ type: 'paragraph', text, note: true }) as Block)];
}

/** The availability verdict, core hours / 24×7 (imports nothing from practice-document.ts: no cycle). */
function worse(core: AvailabilityFigure, all: AvailabilityFigure): Cell {
  const v = [core.verdict, all.verdict];
  if (v.includes('missed')) return cell('missed', { rag: 'red', strong: true });
  if (v.includes('met')) return cell('met', { rag: 'green' });
  return cell(all.runs === 0 ? NO_DATA : 'unknown', { rag: 'grey' });
}

function levelCell(level: Level | null): Cell {
  if (level === 'critical') return cell('critical', { rag: 'red', strong: true });
  if (level === 'warning') return cell('warning', { rag: 'amber' });
  return level === 'ok' ? cell('within', { rag: 'green' }) : cell(NO_DATA, { rag: 'grey' });
}

type Add = (section: string, item: string, measure: string, period: string, value: string, unit: string, rule?: ThresholdRef | null, verdict?: string) => void;

/** CSV rows of the branch links, section `branch`. */
export function branchCsvRows(b: BranchSection | undefined, add: Add, num: (v: number | null | undefined) => string): void {
  for (const s of b?.sites ?? []) {
    const item = s.site === null ? s.target : `${s.site} ${s.target}`;
    add('branch', item, 'availability', 'core', num(s.core.availability), 'ratio', b?.target, s.core.verdict);
    add('branch', item, 'availability', '24x7', num(s.all.availability), 'ratio', b?.target, s.all.verdict);
    add('branch', item, 'rtt_p95', '24x7', num(s.rtt.p95), 'ms', b?.rttThreshold, s.level ?? '');
    add('branch', item, 'loss_mean', '24x7', num(s.lossMean), 'ratio', b?.lossThreshold);
  }
}
