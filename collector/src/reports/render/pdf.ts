/**
 * A report document as a paginated PDF (pdfkit, vector charts from the same scenes as the HTML):
 * A4, a running header (practice, ODS, month) and footer (rules version, page N of M) on every
 * page, tables that break across pages with their header repeated.
 */
import PDFDocument from 'pdfkit';
import type { ChartScene } from './charts.ts';
import { RAG_COLOURS, RAG_LABELS, type Block, type Cell, type Column, type ReportDocument } from './document.ts';
import { pdfText } from './pdf-text.ts';
import type { Rag } from '../rules.ts';

type Doc = PDFKit.PDFDocument;

const MARGIN = { top: 58, bottom: 54, left: 46, right: 46 };
const BLUE = '#003087';
const TEXT = '#1d1d1d';
const FONT = 'Helvetica';
const BOLD = 'Helvetica-Bold';

interface Layout {
  doc: Doc;
  left: number;
  width: number;
  bottom: number;
}

function ensureSpace(l: Layout, h: number): void {
  if (l.doc.y + h > l.bottom) l.doc.addPage();
}

function badge(l: Layout, rag: Rag, x: number, y: number): number {
  const { doc } = l;
  const label = RAG_LABELS[rag];
  doc.font(BOLD).fontSize(7.5);
  const w = doc.widthOfString(label) + 12;
  doc.roundedRect(x, y, w, 12, 6).fill(RAG_COLOURS[rag]);
  doc.fillColor('#ffffff').text(label, x + 6, y + 2.5, { lineBreak: false });
  return w;
}

function heading(l: Layout, b: Extract<Block, { type: 'heading' }>): void {
  const { doc } = l;
  const size = b.level === 1 ? 18 : b.level === 2 ? 13 : 10.5;
  ensureSpace(l, b.level === 2 ? 110 : 60);
  doc.moveDown(b.level === 1 ? 0 : b.level === 2 ? 0.9 : 0.5);
  const y = doc.y;
  doc
    .font(BOLD)
    .fontSize(size)
    .fillColor(b.level === 3 ? TEXT : BLUE)
    .text(pdfText(b.text), l.left, y, { width: l.width - 70 });
  const after = doc.y;
  if (b.rag !== undefined) badge(l, b.rag, l.left + doc.font(BOLD).fontSize(size).widthOfString(pdfText(b.text)) + 10, y + (size - 12) / 2);
  if (b.level === 2)
    doc
      .moveTo(l.left, after + 1)
      .lineTo(l.left + l.width, after + 1)
      .lineWidth(1.2)
      .strokeColor(BLUE)
      .stroke();
  doc.x = l.left;
  doc.y = after + (b.level === 2 ? 6 : 3);
}

function paragraph(l: Layout, text: string, note: boolean): void {
  const { doc } = l;
  doc.font(note ? 'Helvetica-Oblique' : FONT).fontSize(9);
  const t = pdfText(text);
  ensureSpace(l, doc.heightOfString(t, { width: l.width }) + 4);
  doc.fillColor(note ? '#555555' : TEXT).text(t, l.left, doc.y, { width: l.width });
  doc.moveDown(0.35);
}

function list(l: Layout, items: readonly string[]): void {
  const { doc } = l;
  doc.font(FONT).fontSize(9);
  for (const item of items) {
    const t = pdfText(item);
    ensureSpace(l, doc.heightOfString(t, { width: l.width - 12 }) + 2);
    const y = doc.y;
    doc.fillColor(TEXT).text('•', l.left + 2, y, { lineBreak: false });
    doc.text(t, l.left + 12, y, { width: l.width - 12 });
    doc.moveDown(0.15);
  }
  doc.moveDown(0.3);
}

function ragGrid(l: Layout, items: Extract<Block, { type: 'rag-grid' }>['items']): void {
  const { doc } = l;
  const colW = (l.width - 10) / 2;
  const h = 50;
  for (let i = 0; i < items.length; i += 2) {
    ensureSpace(l, h + 6);
    const y = doc.y;
    for (let j = 0; j < 2; j++) {
      const it = items[i + j];
      if (it === undefined) continue;
      const x = l.left + j * (colW + 10);
      doc.rect(x, y, colW, h).lineWidth(0.6).strokeColor('#cccccc').stroke();
      doc.rect(x, y, 5, h).fill(RAG_COLOURS[it.rag]);
      doc
        .font(BOLD)
        .fontSize(9.5)
        .fillColor(TEXT)
        .text(pdfText(it.title), x + 11, y + 6, { lineBreak: false });
      doc.font(BOLD).fontSize(7.5);
      badge(l, it.rag, x + colW - doc.widthOfString(RAG_LABELS[it.rag]) - 20, y + 5);
      doc
        .font(FONT)
        .fontSize(8)
        .fillColor('#444444')
        .text(pdfText(it.reason), x + 11, y + 20, { width: colW - 18, height: 20, ellipsis: true });
      doc
        .font(FONT)
        .fontSize(7)
        .fillColor('#777777')
        .text(`Last month: ${it.previous === null ? 'no report' : RAG_LABELS[it.previous]}`, x + 11, y + h - 11, { lineBreak: false });
    }
    doc.x = l.left;
    doc.y = y + h + 6;
  }
  doc.moveDown(0.3);
}

function columnWidths(l: Layout, columns: readonly Column[]): number[] {
  const total = columns.reduce((n, c) => n + (c.weight ?? 1), 0);
  return columns.map((c) => (l.width * (c.weight ?? 1)) / total);
}

interface CellLayout {
  text: string;
  font: string;
  size: number;
  /** Fits on one line: drawn without the line wrapper (much cheaper). */
  single: boolean;
  width: number;
  height: number;
}

const PAD = 3;

function layoutCell(l: Layout, c: Cell, header: boolean, colWidth: number): CellLayout {
  const { doc } = l;
  const font = header || c.strong === true ? BOLD : FONT;
  const size = header ? 7.5 : 8;
  const text = pdfText(c.text);
  doc.font(font).fontSize(size);
  const avail = colWidth - 2 * PAD;
  const width = doc.widthOfString(text);
  const single = width <= avail && !text.includes('\n');
  return { text, font, size, single, width, height: single ? doc.currentLineHeight(true) : doc.heightOfString(text, { width: avail }) };
}

function layoutRow(l: Layout, cellsOf: readonly Cell[], widths: readonly number[], header: boolean): { cells: CellLayout[]; height: number } {
  const cells = cellsOf.map((c, i) => layoutCell(l, c, header, widths[i] ?? 40));
  return { cells, height: Math.max(...cells.map((c) => c.height), header ? 7.5 : 8) + 2 * PAD };
}

function drawRow(
  l: Layout,
  row: { cells: CellLayout[]; height: number },
  source: readonly Cell[],
  columns: readonly Column[],
  widths: readonly number[],
  header: boolean,
): void {
  const { doc } = l;
  const y = doc.y;
  const h = row.height;
  if (header) doc.rect(l.left, y, l.width, h).fill('#eef2f7');
  let x = l.left;
  row.cells.forEach((c, i) => {
    const w = widths[i] ?? 40;
    const rag = source[i]?.rag;
    const colour = rag === undefined || header ? TEXT : rag === 'amber' ? '#a86400' : rag === 'grey' ? '#666666' : RAG_COLOURS[rag];
    const align = columns[i]?.align ?? 'left';
    doc.font(c.font).fontSize(c.size).fillColor(colour);
    if (c.single) {
      const tx = align === 'right' ? x + w - PAD - c.width : align === 'center' ? x + (w - c.width) / 2 : x + PAD;
      doc.text(c.text, tx, y + PAD, { lineBreak: false });
    } else {
      doc.text(c.text, x + PAD, y + PAD, { width: w - 2 * PAD, align });
    }
    x += w;
  });
  doc
    .moveTo(l.left, y + h)
    .lineTo(l.left + l.width, y + h)
    .lineWidth(0.4)
    .strokeColor('#d5d5d5')
    .stroke();
  doc.x = l.left;
  doc.y = y + h;
}

function table(l: Layout, b: Extract<Block, { type: 'table' }>): void {
  const { doc } = l;
  const widths = columnWidths(l, b.columns);
  const headCells: Cell[] = b.columns.map((c) => ({ text: c.title }));
  const head = layoutRow(l, headCells, widths, true);
  const empty = b.rows.length === 0;
  const rowCols: Column[] = empty ? [{ title: '' }] : b.columns;
  const rowWidths = empty ? [l.width] : widths;
  const rows: Cell[][] = empty ? [[{ text: b.empty ?? 'No data.', rag: 'grey' }]] : b.rows;
  const laid = rows.map((r) => layoutRow(l, r, rowWidths, false));
  ensureSpace(l, head.height + (laid[0]?.height ?? 0));
  drawRow(l, head, headCells, b.columns, widths, true);
  laid.forEach((row, i) => {
    if (doc.y + row.height > l.bottom) {
      doc.addPage();
      drawRow(l, head, headCells, b.columns, widths, true);
    }
    drawRow(l, row, rows[i] as Cell[], rowCols, rowWidths, false);
  });
  doc.moveDown(0.6);
}

/** Draw a chart scene scaled to the content width at the current position. */
export function drawScene(doc: Doc, scene: ChartScene, x: number, y: number, scale: number): void {
  doc.save();
  doc.translate(x, y).scale(scale);
  for (const s of scene.shapes) {
    switch (s.kind) {
      case 'rect':
        if (s.w > 0 && s.h > 0) doc.rect(s.x, s.y, s.w, s.h).fill(s.fill);
        break;
      case 'line':
      case 'polyline': {
        const pts: Array<[number, number]> =
          s.kind === 'line'
            ? [
                [s.x1, s.y1],
                [s.x2, s.y2],
              ]
            : s.points;
        const [first, ...rest] = pts;
        if (first === undefined) break;
        doc.moveTo(first[0], first[1]);
        for (const [px, py] of rest) doc.lineTo(px, py);
        doc.lineWidth(s.width).strokeColor(s.stroke);
        if (s.dash === true) doc.dash(4, { space: 3 });
        doc.stroke();
        doc.undash();
        break;
      }
      case 'text': {
        const t = pdfText(s.text);
        doc.font(FONT).fontSize(s.size).fillColor(s.fill);
        const w = doc.widthOfString(t);
        const tx = s.anchor === 'start' ? s.x : s.anchor === 'middle' ? s.x - w / 2 : s.x - w;
        doc.text(t, tx, s.y - s.size * 0.78, { lineBreak: false });
        break;
      }
    }
  }
  doc.restore();
}

function chart(l: Layout, b: Extract<Block, { type: 'chart' }>): void {
  const { doc } = l;
  const scale = l.width / b.chart.width;
  const h = b.chart.height * scale;
  doc.font('Helvetica-Oblique').fontSize(7.5);
  const capH = doc.heightOfString(pdfText(b.caption), { width: l.width });
  ensureSpace(l, h + capH + 8);
  const y = doc.y;
  drawScene(doc, b.chart, l.left, y, scale);
  doc.x = l.left;
  doc.y = y + h + 2;
  doc.font('Helvetica-Oblique').fontSize(7.5).fillColor('#555555').text(pdfText(b.caption), l.left, doc.y, { width: l.width });
  doc.moveDown(0.6);
}

function headerFooter(doc: Doc, d: ReportDocument): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const { width, height } = doc.page;
    const saved = doc.page.margins;
    doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
    doc.font(FONT).fontSize(7.5).fillColor('#555555');
    doc.text(pdfText(`${d.title} — ${d.header}`), MARGIN.left, 28, { width: width - MARGIN.left - MARGIN.right, lineBreak: false });
    doc
      .moveTo(MARGIN.left, 40)
      .lineTo(width - MARGIN.right, 40)
      .lineWidth(0.5)
      .strokeColor('#005eb8')
      .stroke();
    doc.font(FONT).fontSize(7.5).fillColor('#555555');
    doc.text(pdfText(`${d.header} · ${d.footer}`), MARGIN.left, height - 34, { width: width - MARGIN.left - MARGIN.right, lineBreak: false });
    const page = `Page ${i - range.start + 1} of ${range.count}`;
    doc.text(page, width - MARGIN.right - doc.widthOfString(page), height - 34, { lineBreak: false });
    doc.page.margins = saved;
  }
}

export function renderPdf(d: ReportDocument, opts: { createdAt: number }): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: MARGIN,
    bufferPages: true,
    compress: true,
    info: {
      Title: pdfText(d.meta.title),
      Subject: pdfText(d.meta.subject),
      Author: d.meta.author,
      Creator: 'n3mon',
      Producer: 'n3mon (pdfkit)',
      CreationDate: new Date(opts.createdAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', (err: Error) => reject(err));
  });
  const l: Layout = { doc, left: MARGIN.left, width: doc.page.width - MARGIN.left - MARGIN.right, bottom: doc.page.height - MARGIN.bottom };
  for (const b of d.blocks) {
    switch (b.type) {
      case 'heading':
        heading(l, b);
        break;
      case 'paragraph':
        paragraph(l, b.text, b.note === true);
        break;
      case 'list':
        list(l, b.items);
        break;
      case 'rag-grid':
        ragGrid(l, b.items);
        break;
      case 'table':
        table(l, b);
        break;
      case 'chart':
        chart(l, b);
        break;
      case 'page-break':
        doc.addPage();
        break;
    }
  }
  headerFooter(doc, d);
  doc.end();
  return done;
}
