import type { PdfReader } from '../../core/document';
import { decodeStream } from '../../core/filters';
import { type PdfDict, PdfStream, type PdfValue, isDict, nameOf } from '../../core/objects';
import {
  type Box,
  type ExtentResources,
  asBox,
  asMatrix,
  boxesOverlap,
  contentExtent,
} from './content-extent';
import type { StepContext } from './context';
import { type GlyphMetrics, fontMetrics } from './font-bounds';

/** Most bytes of decoded page content read to prove an annotation clear of it. */
const MAX_CONTENT_BYTES = 16 << 20;

/** The page's /Resources, inherited from the page tree when the page has none (ISO 32000-1 7.7.3.4). */
async function pageResources(r: PdfReader, page: PdfDict): Promise<PdfDict | undefined> {
  let node: PdfDict | undefined = page;
  for (let depth = 0; node && depth < 32; depth++) {
    if (node.has('Resources')) return r.resolveDict(node.get('Resources'));
    node = await r.resolveDict(node.get('Parent'));
  }
  return undefined;
}

/** Fonts and XObjects of the resources, read ahead so that the content scan stays synchronous. */
async function extentResources(r: PdfReader, res: PdfDict | undefined): Promise<ExtentResources> {
  const fonts = new Map<string, GlyphMetrics | undefined>();
  for (const [name, v] of (await r.resolveDict(res?.get('Font')))?.map ?? [])
    fonts.set(name, await fontMetrics(r, v));
  const xobjects = new Map<string, ReturnType<ExtentResources['xobject']>>();
  for (const [name, v] of (await r.resolveDict(res?.get('XObject')))?.map ?? []) {
    const x = await r.resolve(v);
    const d = x instanceof PdfStream ? x.dict : undefined;
    const subtype = nameOf(d?.get('Subtype'));
    const bbox = subtype === 'Image' ? ([0, 0, 1, 1] as Box) : asBox(d?.get('BBox'));
    const matrix = subtype === 'Image' ? asMatrix(undefined) : asMatrix(d?.get('Matrix'));
    if ((subtype === 'Image' || subtype === 'Form') && bbox && matrix) xobjects.set(name, { bbox, matrix });
  }
  return { font: (n) => fonts.get(n), xobject: (n) => xobjects.get(n) };
}

async function pageContent(r: PdfReader, page: PdfDict): Promise<Uint8Array | undefined> {
  const c = await r.resolve(page.get('Contents'));
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const x of Array.isArray(c) ? c : c === undefined ? [] : [c]) {
    const s = await r.resolve(x);
    if (!(s instanceof PdfStream)) return undefined;
    const data = decodeStream(s.dict, await r.streamData(s));
    size += data.length + 1;
    if (size > MAX_CONTENT_BYTES) return undefined;
    // Streams of one page are read as one (7.8.2): a separator keeps tokens of neighbours apart.
    parts.push(data, new Uint8Array([0x0a]));
  }
  return Buffer.concat(parts);
}

/**
 * Boxes of everything the page of `r` (object `pageNum`) shows: what its content streams may draw and the /Rect of
 * each of its annotations. Undefined when the content may draw anywhere or cannot be read.
 */
export async function shownBoxes(r: PdfReader, pageNum: number): Promise<Box[] | undefined> {
  try {
    const page = await r.getObject(pageNum);
    if (!isDict(page)) return undefined;
    const data = await pageContent(r, page);
    if (!data) return undefined;
    const drawn = contentExtent(data, await extentResources(r, await pageResources(r, page)));
    if (!drawn) return undefined;
    const annots = await r.resolve(page.get('Annots'));
    for (const a of Array.isArray(annots) ? annots : []) {
      const rect = asBox((await r.resolveDict(a))?.get('Rect'));
      if (rect) drawn.push(rect);
    }
    return drawn;
  } catch {
    // An unsupported filter or a broken object: nothing can be proved clear.
    return undefined;
  }
}

const cache = new WeakMap<StepContext, Map<number, Promise<Box[] | undefined>>>();

/**
 * Whether the annotation `annot`, added to page object `pageNum`, lies clear of everything the page showed in the
 * revision before (its content and its annotations): DSS flags an added annotation that overlaps another one or
 * changes what the signed page looks like; without a renderer the page's marks are over-estimated, so "clear" is
 * only answered when it is certain.
 */
export async function annotationIsClear(
  ctx: StepContext,
  pageNum: number,
  annot: PdfValue | undefined,
): Promise<boolean> {
  const rect = isDict(annot) ? asBox(annot.get('Rect')) : undefined;
  if (!rect) return false;
  let pages = cache.get(ctx);
  if (!pages) cache.set(ctx, (pages = new Map()));
  let boxes = pages.get(pageNum);
  if (!boxes) pages.set(pageNum, (boxes = shownBoxes(ctx.old, pageNum)));
  const shown = await boxes;
  return !!shown && !shown.some((b) => boxesOverlap(b, rect));
}
