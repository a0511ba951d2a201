/**
 * PDF text uses the standard Helvetica fonts (no font files to ship), which encode WinAnsi only.
 * Characters outside it are spelt in ASCII here rather than printed as garbage.
 */
const SPELLED: Record<string, string> = { '→': '->', '←': '<-', '≤': '<=', '≥': '>=', '≈': '~', '✓': 'v', '✗': 'x', '−': '-', '\u2009': ' ', '\u202f': ' ' };
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

export function pdfText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || ch === '\n' || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else out += SPELLED[ch] ?? '?';
  }
  return out;
}
