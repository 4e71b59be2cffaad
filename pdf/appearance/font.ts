import { readFile } from 'node:fs/promises';
import fontkit from '@pdf-lib/fontkit';
import { PdfError } from '../core/errors';
import { padGlyphs } from './pad-glyphs';

/** Faces of the bundled font. */
export type FontWeight = 'regular' | 'bold' | 'italic' | 'boldItalic';

const BUNDLED_FILES: Record<FontWeight, string> = {
  regular: '@expo-google-fonts/tinos/400Regular/Tinos_400Regular.ttf',
  bold: '@expo-google-fonts/tinos/700Bold/Tinos_700Bold.ttf',
  italic: '@expo-google-fonts/tinos/400Regular_Italic/Tinos_400Regular_Italic.ttf',
  boldItalic: '@expo-google-fonts/tinos/700Bold_Italic/Tinos_700Bold_Italic.ttf',
};

/**
 * Path of Tinos, the font that ships with the project (npm package `@expo-google-fonts/tinos`, SIL OFL 1.1): a
 * TrueType font with the metrics of Times New Roman, the face Decree 30/2020 prescribes, and every Vietnamese letter.
 * Resolved through the package, so every machine that ran `npm install` draws the same signatures and text.
 */
export function bundledFontPath(weight: FontWeight = 'regular'): string {
  return require.resolve(BUNDLED_FILES[weight]);
}

/** Debian path of Liberation Serif (fonts-liberation), metric-compatible with Times New Roman, SIL OFL. */
export const DEBIAN_LIBERATION_SERIF = '/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf';

/**
 * System fonts tried after the caller's choices and the bundled Tinos (for a damaged install). Debian's fonts-liberation 1.07 lacks the Vietnamese precomposed letters
 * (U+1EA0..U+1EF9, e.g. "Ủ", "ễ"); Liberation 2.x (fonts-liberation2) and Noto Serif (fonts-noto-core) have them.
 */
export const FALLBACK_FONTS = [
  DEBIAN_LIBERATION_SERIF,
  '/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf',
  '/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf',
];

/**
 * Parsed fonts by their bytes, for the glyph check only. Parsing a TrueType font takes fontkit tens of
 * milliseconds, the largest CPU cost of a signing activity. Keyed by the byte array itself, so a font read once
 * (see `readFontFile`) is parsed once. Embedding parses its own copy: pdf-lib's subsetting changes the font
 * object it is given, and a shared one lost glyphs in the second signature (the appearance test caught it).
 */
const parsedFonts = new WeakMap<Uint8Array, ReturnType<typeof fontkit.create>>();

function parseFont(bytes: Uint8Array): ReturnType<typeof fontkit.create> {
  let font = parsedFonts.get(bytes);
  if (!font) {
    font = fontkit.create(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
    parsedFonts.set(bytes, font);
  }
  return font;
}

/** Fonts with their glyphs aligned for the subsetter (see `padGlyphs`), by the caller's bytes. */
const alignedFonts = new WeakMap<Uint8Array, Uint8Array>();

function aligned(bytes: Uint8Array): Uint8Array {
  let out = alignedFonts.get(bytes);
  if (!out) {
    try {
      out = padGlyphs(bytes);
    } catch {
      out = bytes; // not an sfnt this code understands: fontkit's check below reports it
    }
    alignedFonts.set(bytes, out);
  }
  return out;
}

/** Font files by path, read and aligned once per process (fonts are installed files; a change needs a restart). */
const fontFiles = new Map<string, Promise<Uint8Array>>();

function readFontFile(path: string): Promise<Uint8Array> {
  let bytes = fontFiles.get(path);
  if (!bytes) {
    bytes = readFile(path).then(aligned);
    // A failed read is not remembered: the font may be installed later.
    bytes.catch(() => fontFiles.delete(path));
    fontFiles.set(path, bytes);
  }
  return bytes;
}

function missingGlyphs(bytes: Uint8Array, text: string): string[] {
  const font = parseFont(bytes);
  const missing = new Set<string>();
  for (const ch of text)
    if (!/\s/.test(ch) && !font.hasGlyphForCodePoint(ch.codePointAt(0)!)) missing.add(ch);
  return [...missing];
}

/**
 * Loads the TrueType font for visible appearances. Decree 30/2020 Appendix I asks for Times New Roman; Tinos and
 * Liberation Serif have the same metrics. Explicit `fontBytes`/`fontPath` are used as given; otherwise the first of
 * `defaultPath` (the composition root passes `process.env.LIENTHONG_FONT`; `defaultFontPath` is the same option as
 * signing's appearance options name it), the bundled Tinos ({@link bundledFontPath}) and `systemFonts` (default
 * {@link FALLBACK_FONTS}) that has a glyph for every character of `text` is chosen, so no character is drawn as a
 * missing-glyph box. Throws `PdfError('FONT_UNAVAILABLE')` when no readable font covers the text.
 */
export async function loadAppearanceFont(opts: {
  fontBytes?: Uint8Array;
  fontPath?: string;
  defaultPath?: string;
  defaultFontPath?: string;
  weight?: FontWeight;
  systemFonts?: readonly string[];
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
  if (opts.fontBytes) return check(aligned(opts.fontBytes), 'font');
  if (opts.fontPath) {
    const bytes = await readFontFile(opts.fontPath).catch((err: unknown) => {
      throw new PdfError('FONT_UNAVAILABLE', `cannot read font ${opts.fontPath}`, { cause: err });
    });
    return check(bytes, opts.fontPath);
  }
  const reasons: string[] = [];
  const candidates = [
    opts.defaultPath ?? opts.defaultFontPath,
    bundledOrUndefined(opts.weight),
    ...(opts.systemFonts ?? FALLBACK_FONTS),
  ];
  for (const p of candidates.filter((x): x is string => !!x)) {
    try {
      return check(await readFontFile(p), p);
    } catch (err) {
      reasons.push(err instanceof PdfError ? err.message : `cannot read ${p}`);
    }
  }
  throw new PdfError(
    'FONT_UNAVAILABLE',
    `no font for visible signatures (${reasons.join('; ')}): pass fontPath or set LIENTHONG_FONT`,
  );
}

/** The bundled font's path, or undefined when the package is missing (a damaged install falls back to the system). */
function bundledOrUndefined(weight?: FontWeight): string | undefined {
  try {
    return bundledFontPath(weight);
  } catch {
    return undefined;
  }
}
