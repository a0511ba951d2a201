/**
 * A report as a neutral document: a list of blocks (headings, paragraphs, tables, charts) that the
 * HTML and PDF renderers both draw, so the two formats carry exactly the same content.
 */
import type { Rag } from '../rules.ts';
import type { ChartScene } from './charts.ts';

export interface Cell {
  text: string;
  rag?: Rag;
  /** Emphasise (bold) — used for verdicts that missed. */
  strong?: boolean;
}

export interface Column {
  title: string;
  align?: 'left' | 'right' | 'center';
  /** Relative width for the PDF layout. */
  weight?: number;
}

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; text: string; rag?: Rag }
  | { type: 'paragraph'; text: string; note?: boolean }
  | { type: 'list'; items: string[] }
  | { type: 'rag-grid'; items: Array<{ title: string; rag: Rag; previous: Rag | null; reason: string }> }
  | { type: 'table'; columns: Column[]; rows: Cell[][]; empty?: string }
  | { type: 'chart'; chart: ChartScene; caption: string }
  | { type: 'page-break' };

export interface ReportDocument {
  /** "CFH Applications Monitoring Report". */
  title: string;
  /** "Example Surgery (A81001) — November 2026". */
  subtitle: string;
  /** Running header / footer text of the PDF. */
  header: string;
  footer: string;
  /** Short identification for the PDF metadata. */
  meta: { title: string; subject: string; author: string };
  blocks: Block[];
}

export const RAG_COLOURS: Record<Rag, string> = { red: '#c62828', amber: '#e08a00', green: '#2e7d32', grey: '#8a8a8a' };
export const RAG_LABELS: Record<Rag, string> = { red: 'Red', amber: 'Amber', green: 'Green', grey: 'No data' };

export function cell(text: string, extra: Omit<Cell, 'text'> = {}): Cell {
  return { text, ...extra };
}

export function cells(...texts: string[]): Cell[] {
  return texts.map((t) => ({ text: t }));
}
