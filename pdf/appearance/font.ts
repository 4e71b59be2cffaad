import { readFile } from 'node:fs/promises';
import fontkit from '@pdf-lib/fontkit';
import { PdfError } from '../core/errors';

/** Debian path of Liberation Serif (fonts-liberation), metric-compatible with Times New Roman, SIL OFL. */
export const DEBIAN_LIBERATION_SERIF = '/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf';

/**
 * Fallbacks tried after the caller's choices. Debian's fonts-liberation 1.07 lacks the Vietnamese precomposed letters
 * (U+1EA0..U+1EF9, e.g. "Ủ", "ễ"); Liberation 2.x (fonts-liberation2) and Noto Serif (fonts-noto-core) have them.
 */
export const FALLBACK_FONTS = [
  DEBIAN_LIBERATION_SERIF,
  '/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf',
  '/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf',
];

function missingGlyphs(bytes: Uint8Array, text: string): string[] {
  const font = fontkit.create(Buffer.from(bytes));
  const missing = new Set<string>();
  for (const ch of text)
    if (!/\s/.test(ch) && !font.hasGlyphForCodePoint(ch.codePointAt(0)!)) missing.add(ch);
  return [...missing];
}

/**
 * Loads the TrueType font for visible appearances. Decree 30/2020 Appendix I asks for Times New Roman; Liberation
 * Serif has the same metrics. Explicit `fontBytes`/`fontPath` are used as given; otherwise the first of
 * `defaultPath` (the composition root passes `process.env.LIENTHONG_FONT`), Liberation Serif and the
 * {@link FALLBACK_FONTS} that has a glyph for every character of `text` is chosen, so no character is drawn as a
 * missing-glyph box. Throws `PdfError('FONT_UNAVAILABLE')` when no readable font covers the text.
 */
export async function loadAppearanceFont(opts: {
  fontBytes?: Uint8Array;
  fontPath?: string;
  defaultPath?: string;
  text: string;
}): Promise<Uint8Array> {
  const check = (bytes: Uint8Array, from: string) => {
    let missing: string[];
    try {
      missing = missingGlyphs(bytes, opts.text);
    } catch (err) {
      throw new PdfError('FONT_UNAVAILABLE', `${from} is not a readable TrueType font`, { cause: err });
    }
    if (missing.length)
      throw new PdfError('FONT_UNAVAILABLE', `${from} has no glyph for ${missing.join(' ')}`);
    return bytes;
  };
  if (opts.fontBytes) return check(opts.fontBytes, 'font');
  if (opts.fontPath) {
    const bytes = await readFile(opts.fontPath).catch((err: unknown) => {
      throw new PdfError('FONT_UNAVAILABLE', `cannot read font ${opts.fontPath}`, { cause: err });
    });
    return check(bytes, opts.fontPath);
  }
  const reasons: string[] = [];
  for (const p of [opts.defaultPath, ...FALLBACK_FONTS].filter((x): x is string => !!x)) {
    try {
      return check(await readFile(p), p);
    } catch (err) {
      reasons.push(err instanceof PdfError ? err.message : `cannot read ${p}`);
    }
  }
  throw new PdfError(
    'FONT_UNAVAILABLE',
    `no font for visible signatures (${reasons.join('; ')}): pass fontPath or set LIENTHONG_FONT`,
  );
}
