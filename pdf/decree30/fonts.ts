import { loadAppearanceFont } from '../appearance/font';
import type { DocumentFonts } from './types';

/**
 * The four faces a drafted document uses, checked to cover `text`: the bundled Tinos unless `overridePath` (the
 * composition root passes `LIENTHONG_FONT`) names a font, which then serves every face.
 */
export async function loadDocumentFonts(text: string, overridePath?: string): Promise<DocumentFonts> {
  const load = (weight: 'regular' | 'bold' | 'italic' | 'boldItalic') =>
    loadAppearanceFont({ text, weight, defaultPath: overridePath });
  const [regular, bold, italic, boldItalic] = await Promise.all([
    load('regular'),
    load('bold'),
    load('italic'),
    load('boldItalic'),
  ]);
  return { regular, bold, italic, boldItalic };
}
