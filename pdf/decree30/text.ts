import type { PDFFont, PDFPage, RGB } from 'pdf-lib';

/** A face at a size: what every text helper below needs. */
export interface Face {
  font: PDFFont;
  size: number;
}

export const width = (f: Face, s: string): number => f.font.widthOfTextAtSize(s, f.size);

/** Greedy word wrap to `maxWidth`; a word longer than the line stays whole on its own line. */
export function wrap(f: Face, text: string, maxWidth: number, firstIndent = 0): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    const room = maxWidth - (out.length === 0 ? firstIndent : 0);
    if (line && width(f, candidate) > room) {
      out.push(line);
      line = word;
    } else line = candidate;
  }
  if (line) out.push(line);
  return out;
}

/** Draws `text` centred on `cx` with its baseline at `y`; returns its width. */
export function centred(page: PDFPage, f: Face, text: string, cx: number, y: number, color?: RGB): number {
  const w = width(f, text);
  page.drawText(text, { x: cx - w / 2, y, font: f.font, size: f.size, color });
  return w;
}

/** Draws one line justified to `lineWidth` by widening the spaces between words (the last line is not). */
export function justified(
  page: PDFPage,
  f: Face,
  line: string,
  x: number,
  y: number,
  lineWidth: number,
  last: boolean,
): void {
  const words = line.split(' ');
  if (last || words.length < 2) {
    page.drawText(line, { x, y, font: f.font, size: f.size });
    return;
  }
  const gap = (lineWidth - words.reduce((sum, w) => sum + width(f, w), 0)) / (words.length - 1);
  let at = x;
  for (const w of words) {
    page.drawText(w, { x: at, y, font: f.font, size: f.size });
    at += width(f, w) + gap;
  }
}

/** "ngày 05 tháng 3 năm 2026" as Decree 30 writes dates (days and months below 10 padded: 01, 02 … only for days 1–9
 * and months 1–2, so that no one can prepend a digit). */
export function vietnameseDate(isoDate: string): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const day = d < 10 ? `0${d}` : String(d);
  const month = m < 3 ? `0${m}` : String(m);
  return `ngày ${day} tháng ${month} năm ${y}`;
}
