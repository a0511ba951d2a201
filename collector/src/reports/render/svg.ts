/** A chart scene as an inline SVG element (no external references; fonts are the page's). */
import type { ChartScene, Shape } from './charts.ts';

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const r = (n: number): string => (Math.round(n * 10) / 10).toString();

function shapeSvg(s: Shape): string {
  switch (s.kind) {
    case 'rect':
      return `<rect x="${r(s.x)}" y="${r(s.y)}" width="${r(Math.max(0, s.w))}" height="${r(Math.max(0, s.h))}" fill="${s.fill}"${s.opacity === undefined ? '' : ` fill-opacity="${s.opacity}"`}/>`;
    case 'line':
      return `<line x1="${r(s.x1)}" y1="${r(s.y1)}" x2="${r(s.x2)}" y2="${r(s.y2)}" stroke="${s.stroke}" stroke-width="${s.width}"${s.dash === true ? ' stroke-dasharray="4 3"' : ''}/>`;
    case 'polyline':
      return `<polyline fill="none" points="${s.points.map(([x, y]) => `${r(x)},${r(y)}`).join(' ')}" stroke="${s.stroke}" stroke-width="${s.width}"${s.dash === true ? ' stroke-dasharray="4 3"' : ''}/>`;
    case 'text':
      return `<text x="${r(s.x)}" y="${r(s.y)}" font-size="${s.size}" fill="${s.fill}" text-anchor="${s.anchor}">${escapeXml(s.text)}</text>`;
  }
}

export function sceneToSvg(scene: ChartScene): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${scene.width} ${scene.height}" width="100%" role="img" aria-label="${escapeXml(scene.label)}" font-family="Helvetica, Arial, sans-serif">`,
    `<title>${escapeXml(scene.label)}</title>`,
    ...scene.shapes.map(shapeSvg),
    '</svg>',
  ].join('');
}
