import type * as PdfLib from 'pdf-lib';

/**
 * The seam where each demo document's PDF bytes are made: every document the demo drafts comes from here, and
 * nothing else in the demo depends on how. Replace the body to draft richer documents; keep the signature.
 */
export async function demoPdf(text: string): Promise<Buffer> {
  // A one-page PDF (pdf-lib, standard font, so the text is kept to ASCII).
  const ascii = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?');
  // Loaded here, not at the top: main.ts registers `demo` on every run, and pdf-lib takes ~0.3 s to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PDFDocument, StandardFonts } = require('pdf-lib') as typeof PdfLib;
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595.28, 841.89]).drawText(ascii.slice(0, 90), { x: 72, y: 760, size: 11, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}
