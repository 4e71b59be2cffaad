import type { PdfReader } from '../../core/document';
import { type PdfDict, PdfStream, type PdfValue, nameOf } from '../../core/objects';

/**
 * Glyph metrics of a font resource, in em, for `content-extent.ts`: how far one glyph may advance and where its ink
 * may lie around its origin, read from /Widths (/W, /DW, /MissingWidth) and the descriptor's /FontBBox. A Type 3 or
 * vertical font, or one whose metrics cannot be read, has none: the page's extent is then unknown. The standard 14
 * fonts (ISO 32000-1 9.6.2.2) need no descriptor; they get generous bounds. A font program whose outlines exceed
 * its declared /FontBBox is not detected (that needs the font program parsed); bounds beyond 10 em are refused.
 */
export interface GlyphMetrics {
  maxAdvance: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
}

/** Bounds for fonts without metrics to read (standard 14, or a /FontBBox of zero area): wider than any of them. */
const GENEROUS: GlyphMetrics = { maxAdvance: 1.5, xMin: -0.5, xMax: 1.5, yMin: -1, yMax: 1.5 };
const LIMIT_EM = 10;

const STANDARD_14 = new Set(
  [
    'Times-Roman',
    'Times-Bold',
    'Times-Italic',
    'Times-BoldItalic',
    'Helvetica',
    'Helvetica-Bold',
    'Helvetica-Oblique',
    'Helvetica-BoldOblique',
    'Courier',
    'Courier-Bold',
    'Courier-Oblique',
    'Courier-BoldOblique',
    'Symbol',
    'ZapfDingbats',
  ].map((s) => s.toLowerCase()),
);

const isNumber = (v: PdfValue | undefined): v is number => typeof v === 'number' && isFinite(v);

/** The descriptor's /FontBBox in em; GENEROUS for a zero-area box, undefined when missing or absurd. */
function bboxOf(descriptor: PdfDict | undefined): Omit<GlyphMetrics, 'maxAdvance'> | undefined {
  const b = descriptor?.get('FontBBox');
  if (!Array.isArray(b) || b.length !== 4 || !b.every(isNumber)) return undefined;
  const [x1, y1, x2, y2] = (b as number[]).map((v) => v / 1000) as [number, number, number, number];
  if (x1 === x2 || y1 === y2) return GENEROUS;
  if ([x1, y1, x2, y2].some((v) => Math.abs(v) > LIMIT_EM)) return undefined;
  return { xMin: Math.min(x1, x2), xMax: Math.max(x1, x2), yMin: Math.min(y1, y2), yMax: Math.max(y1, y2) };
}

/** Largest of the widths (thousandths of an em), or undefined when one is not a number or is out of range. */
async function widest(r: PdfReader, values: PdfValue[]): Promise<number | undefined> {
  let max = 0;
  for (const v of values) {
    const w = await r.resolve(v);
    if (!isNumber(w) || w < 0 || w > LIMIT_EM * 1000) return undefined;
    max = Math.max(max, w);
  }
  return max / 1000;
}

/** CIDFont /W (ISO 32000-1 9.7.4.3) as a flat list of widths: `c [w1 w2 …]` and `c1 c2 w` runs. */
async function cidWidths(r: PdfReader, w: PdfValue | undefined): Promise<PdfValue[] | undefined> {
  const list = await r.resolve(w);
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  const out: PdfValue[] = [];
  for (let i = 0; i < list.length;) {
    const next = await r.resolve(list[i + 1]);
    if (Array.isArray(next)) {
      out.push(...next);
      i += 2;
    } else {
      out.push(list[i + 2] ?? null);
      i += 3;
    }
  }
  return out;
}

async function isVertical(r: PdfReader, encoding: PdfValue | undefined): Promise<boolean> {
  const e = await r.resolve(encoding);
  if (e instanceof PdfStream) return e.dict.get('WMode') === 1;
  return (nameOf(e) ?? '').endsWith('-V');
}

async function type0Metrics(r: PdfReader, font: PdfDict): Promise<GlyphMetrics | undefined> {
  if (await isVertical(r, font.get('Encoding'))) return undefined;
  const kids = await r.resolve(font.get('DescendantFonts'));
  const cid = Array.isArray(kids) && kids.length === 1 ? await r.resolveDict(kids[0]) : undefined;
  if (!cid) return undefined;
  const widths = await cidWidths(r, cid.get('W'));
  const maxAdvance = widths && (await widest(r, [cid.get('DW') ?? 1000, ...widths]));
  const bbox = bboxOf(await r.resolveDict(cid.get('FontDescriptor')));
  return maxAdvance === undefined || !bbox ? undefined : { maxAdvance, ...bbox };
}

/** Glyph metrics of font resource `v` (see the module comment), undefined when they cannot be bounded. */
export async function fontMetrics(r: PdfReader, v: PdfValue | undefined): Promise<GlyphMetrics | undefined> {
  const font = await r.resolveDict(v);
  const subtype = nameOf(font?.get('Subtype'));
  if (!font || subtype === 'Type3') return undefined;
  if (subtype === 'Type0') return type0Metrics(r, font);
  const descriptor = await r.resolveDict(font.get('FontDescriptor'));
  if (!descriptor)
    return STANDARD_14.has((nameOf(font.get('BaseFont')) ?? '').toLowerCase()) ? GENEROUS : undefined;
  const bbox = bboxOf(descriptor);
  const widths = await r.resolve(font.get('Widths'));
  if (!bbox || (widths !== undefined && !Array.isArray(widths))) return undefined;
  const listed = [...(Array.isArray(widths) ? widths : []), descriptor.get('MissingWidth') ?? 0];
  const maxAdvance = await widest(r, listed);
  if (maxAdvance === undefined) return undefined;
  // Without /Widths (allowed for the standard 14 only) the advance is bounded by the glyph box.
  return {
    ...bbox,
    maxAdvance: Array.isArray(widths) ? maxAdvance : Math.max(GENEROUS.maxAdvance, bbox.xMax),
  };
}
