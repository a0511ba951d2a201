/** A report document as one self-contained HTML file: inline CSS, inline SVG charts, no external requests. */
import type { Block, Cell, ReportDocument } from './document.ts';
import { RAG_COLOURS, RAG_LABELS } from './document.ts';
import { escapeXml, sceneToSvg } from './svg.ts';

const CSS = `
:root { --red:${RAG_COLOURS.red}; --amber:${RAG_COLOURS.amber}; --green:${RAG_COLOURS.green}; --grey:${RAG_COLOURS.grey}; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: #1d1d1d; margin: 0 auto; max-width: 60rem; padding: 1.5rem; line-height: 1.4; font-size: 14px; }
h1 { font-size: 1.6rem; margin: 0 0 .2rem; color: #003087; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid #003087; color: #003087; display: flex; align-items: center; gap: .6rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
p { margin: .4rem 0; }
p.note { color: #555; font-style: italic; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 .8rem; font-size: 12.5px; page-break-inside: auto; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; font-weight: 600; }
tr { page-break-inside: avoid; }
td.right, th.right { text-align: right; font-variant-numeric: tabular-nums; }
td.center, th.center { text-align: center; }
td.empty { color: #666; font-style: italic; }
.rag { display: inline-block; min-width: 4.5rem; padding: .05rem .45rem; border-radius: .8rem; color: #fff; font-size: .75rem; font-weight: 600; text-align: center; }
.rag-red { background: var(--red); } .rag-amber { background: var(--amber); } .rag-green { background: var(--green); } .rag-grey { background: var(--grey); }
td.c-red { color: var(--red); } td.c-amber { color: #a86400; } td.c-green { color: var(--green); } td.c-grey { color: #666; }
strong { font-weight: 700; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: .6rem; margin: .6rem 0; }
.tile { border: 1px solid #ddd; border-left: 6px solid var(--grey); border-radius: 4px; padding: .5rem .7rem; page-break-inside: avoid; }
.tile.red { border-left-color: var(--red); } .tile.amber { border-left-color: var(--amber); } .tile.green { border-left-color: var(--green); }
.tile .t { font-weight: 600; display: flex; justify-content: space-between; gap: .5rem; }
.tile .r { color: #444; font-size: .85rem; margin-top: .2rem; }
.tile .p { color: #777; font-size: .75rem; }
figure { margin: .6rem 0 1rem; page-break-inside: avoid; }
figcaption { font-size: .8rem; color: #555; }
.subtitle { font-size: 1.1rem; font-weight: 600; }
header.doc { border-bottom: 4px solid #005eb8; padding-bottom: .6rem; margin-bottom: .6rem; }
footer.doc { margin-top: 2rem; border-top: 1px solid #ccc; padding-top: .4rem; color: #666; font-size: .8rem; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { page-break-after: avoid; }
  h3 { page-break-after: avoid; }
  .pb { page-break-before: always; }
  a { color: inherit; text-decoration: none; }
}
@page { size: A4; margin: 15mm 12mm; }
`;

function ragBadge(rag: keyof typeof RAG_COLOURS): string {
  return `<span class="rag rag-${rag}">${RAG_LABELS[rag]}</span>`;
}

function cellHtml(c: Cell, tag: 'td', align: string | undefined): string {
  const cls = [align ?? '', c.rag !== undefined ? `c-${c.rag}` : ''].filter((x) => x !== '').join(' ');
  const text = escapeXml(c.text);
  return `<${tag}${cls === '' ? '' : ` class="${cls}"`}>${c.strong === true ? `<strong>${text}</strong>` : text}</${tag}>`;
}

function blockHtml(b: Block): string {
  switch (b.type) {
    case 'heading':
      if (b.level === 1) return `<h1>${escapeXml(b.text)}</h1>`;
      return `<h${b.level}>${escapeXml(b.text)}${b.rag !== undefined ? ` ${ragBadge(b.rag)}` : ''}</h${b.level}>`;
    case 'paragraph':
      return `<p${b.note === true ? ' class="note"' : ''}>${escapeXml(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${escapeXml(i)}</li>`).join('')}</ul>`;
    case 'rag-grid':
      return `<div class="grid">${b.items
        .map(
          (i) =>
            `<div class="tile ${i.rag}"><div class="t"><span>${escapeXml(i.title)}</span>${ragBadge(i.rag)}</div><div class="r">${escapeXml(i.reason)}</div><div class="p">Last month: ${i.previous === null ? 'no report' : RAG_LABELS[i.previous]}</div></div>`,
        )
        .join('')}</div>`;
    case 'table': {
      const head = `<thead><tr>${b.columns.map((c) => `<th${c.align !== undefined && c.align !== 'left' ? ` class="${c.align}"` : ''}>${escapeXml(c.title)}</th>`).join('')}</tr></thead>`;
      const body =
        b.rows.length === 0
          ? `<tr><td class="empty" colspan="${b.columns.length}">${escapeXml(b.empty ?? 'No data.')}</td></tr>`
          : b.rows
              .map((row) => `<tr>${row.map((c, i) => cellHtml(c, 'td', b.columns[i]?.align === 'left' ? undefined : b.columns[i]?.align)).join('')}</tr>`)
              .join('');
      return `<table>${head}<tbody>${body}</tbody></table>`;
    }
    case 'chart':
      return `<figure>${sceneToSvg(b.chart)}<figcaption>${escapeXml(b.caption)}</figcaption></figure>`;
    case 'page-break':
      return '<div class="pb"></div>';
  }
}

export function renderHtml(doc: ReportDocument): string {
  const [first, subtitle, ...rest] = doc.blocks;
  const intro = [first, subtitle].filter((b) => b !== undefined);
  return [
    '<!DOCTYPE html>',
    '<html lang="en-GB">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeXml(doc.meta.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<header class="doc">${intro.map((b) => (b.type === 'paragraph' ? `<div class="subtitle">${escapeXml(b.text)}</div>` : blockHtml(b))).join('')}</header>`,
    '<main>',
    ...rest.map(blockHtml),
    '</main>',
    `<footer class="doc">${escapeXml(doc.header)} · ${escapeXml(doc.footer)}</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
