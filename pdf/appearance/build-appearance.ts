import fontkit from '@pdf-lib/fontkit';
import {
  PDFDocument,
  type PDFFont,
  type PDFOperator,
  drawImage,
  drawText,
  degrees,
  popGraphicsState,
  pushGraphicsState,
  rgb,
} from 'pdf-lib';
import { PdfError } from '../core/errors';

/** Visible signature kinds of Decree 30/2020 Appendix I (the `none` kind has no appearance stream). */
export type VisibleKind = 'personal' | 'organisation' | 'text';

/** What to draw in a widget of `width` x `height` points. */
export interface AppearanceRequest {
  kind: VisibleKind;
  width: number;
  height: number;
  /** TrueType font bytes (embedded as a subset with a ToUnicode CMap so text extracts correctly). */
  font: Uint8Array;
  /** PNG: the leader's signature (personal) or the agency seal (organisation). */
  image?: Uint8Array;
  /** personal: authority and position line above the signature ("quyền hạn, chức vụ của người ký"). */
  title?: string;
  /** personal: full name of the signer; organisation: agency name. */
  name?: string;
  /** text: lines to show (document number and notation, or copy form and copying agency). */
  lines?: string[];
  /** Signing time as displayed (ISO 8601 with +07:00). */
  timeText: string;
}

/** An object of the appearance, serialised and numbered for the incremental update. */
export interface NumberedObject {
  num: number;
  gen: number;
  bytes: Uint8Array;
}

export interface BuiltAppearance {
  objects: NumberedObject[];
  /** Object number of the form XObject to use as the widget's normal appearance (/AP /N). */
  appearanceNum: number;
  nextNum: number;
}

function wrap(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && font.widthOfTextAtSize(candidate, size) > maxWidth) {
      out.push(line);
      line = word;
    } else line = candidate;
  }
  if (line) out.push(line);
  return out;
}

function fitSize(text: string, font: PDFFont, size: number, maxWidth: number): number {
  const w = font.widthOfTextAtSize(text, size);
  return w > maxWidth && w > 0 ? Math.max(4, (size * maxWidth) / w) : size;
}

const zero = degrees(0);

function text(
  font: PDFFont,
  s: string,
  x: number,
  y: number,
  size: number,
  color = rgb(0, 0, 0),
): PDFOperator[] {
  return drawText(font.encodeText(s), {
    color,
    font: 'F1',
    size,
    rotate: zero,
    xSkew: zero,
    ySkew: zero,
    x,
    y,
  });
}

/**
 * Builds the normal appearance of a signature widget (ISO 32000-1 12.5.5, 12.7.4.5) as a form XObject, laid out per
 * Decree 30/2020 Appendix I. Objects are numbered from `firstNum` so they can be appended in an incremental update
 * of a document whose highest object number is below it.
 */
export async function buildAppearance(req: AppearanceRequest, firstNum: number): Promise<BuiltAppearance> {
  const { width: w, height: h } = req;
  if (!(w > 0 && h > 0))
    throw new PdfError('INVALID_OPTION', 'appearance rectangle must have a positive size');
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit);
  const ctx = doc.context;
  ctx.largestObjectNumber = Math.max(ctx.largestObjectNumber, firstNum - 1);
  const base = ctx.largestObjectNumber + 1;
  let font: PDFFont;
  try {
    font = await doc.embedFont(req.font, { subset: true });
  } catch (err) {
    throw new PdfError('FONT_UNAVAILABLE', `cannot embed font: ${(err as Error).message}`, { cause: err });
  }
  let image;
  if (req.image) {
    try {
      image = await doc.embedPng(req.image);
    } catch (err) {
      throw new PdfError('INVALID_OPTION', `image is not a readable PNG: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
  const ops: PDFOperator[] = [];
  const fit = (iw: number, ih: number, bx: number, by: number, bw: number, bh: number) => {
    const s = Math.min(bw / iw, bh / ih);
    return { x: bx + (bw - iw * s) / 2, y: by + (bh - ih * s) / 2, width: iw * s, height: ih * s };
  };
  const drawImg = (box: { x: number; y: number; width: number; height: number }) =>
    ops.push(
      pushGraphicsState(),
      ...drawImage('Im1', { ...box, rotate: zero, xSkew: zero, ySkew: zero }),
      popGraphicsState(),
    );

  if (req.kind === 'personal') {
    const size = Math.min(12, h / 6);
    const pad = 2;
    const title = req.title ?? '';
    const name = req.name ?? '';
    const ts = fitSize(title, font, size, w - 2 * pad);
    const ns = fitSize(name, font, size, w - 2 * pad);
    if (title)
      ops.push(...text(font, title, (w - font.widthOfTextAtSize(title, ts)) / 2, h - pad - ts * 0.8, ts));
    if (name) ops.push(...text(font, name, (w - font.widthOfTextAtSize(name, ns)) / 2, pad + ns * 0.25, ns));
    if (image) {
      // With neither title nor name (the document prints them around the widget) the image takes the whole widget.
      const band = title || name ? personalImageBand(w, h) : { x: 2, y: 2, width: w - 4, height: h - 4 };
      drawImg(fit(image.width, image.height, band.x, band.y, band.width, band.height));
    }
  } else if (req.kind === 'organisation') {
    const seal = Math.min(h, w);
    if (image) drawImg(fit(image.width, image.height, w - seal, (h - seal) / 2, seal, seal));
    const textWidth = w - seal - 4;
    if (textWidth > 20) {
      const size = 8;
      const lines = [...wrap(req.name ?? '', font, size, textWidth), req.timeText];
      const lh = size * 1.2;
      let y = h / 2 + (lines.length * lh) / 2 - size;
      for (const line of lines) {
        const ls = fitSize(line, font, size, textWidth);
        ops.push(...text(font, line, textWidth - font.widthOfTextAtSize(line, ls), y, ls));
        y -= lh;
      }
    }
  } else {
    const size = 10;
    const lines = req.lines ?? [];
    let y = h - size;
    for (const line of lines) {
      ops.push(...text(font, line, 2, y, fitSize(line, font, size, w - 4)));
      y -= size * 1.2;
    }
  }
  const resources = ctx.obj({ Font: { F1: font.ref }, ...(image ? { XObject: { Im1: image.ref } } : {}) });
  const form = ctx.formXObject(ops, { BBox: [0, 0, w, h], Resources: resources });
  const apRef = ctx.register(form);
  await doc.flush();
  const objects: NumberedObject[] = [];
  for (const [ref, obj] of ctx.enumerateIndirectObjects()) {
    if (ref.objectNumber < base) continue;
    const bytes = new Uint8Array(obj.sizeInBytes());
    obj.copyBytesInto(bytes, 0);
    objects.push({ num: ref.objectNumber, gen: ref.generationNumber, bytes });
  }
  objects.sort((a, b) => a.num - b.num);
  return { objects, appearanceNum: apRef.objectNumber, nextNum: ctx.largestObjectNumber + 1 };
}

/** Where a personal appearance draws the signature image inside a w x h widget (between title and name lines). */
export function personalImageBand(
  w: number,
  h: number,
): { x: number; y: number; width: number; height: number } {
  const size = Math.min(12, h / 6);
  const top = h - 2 - size * 1.3;
  const bottom = 2 + size * 1.3;
  return { x: 4, y: bottom, width: w - 8, height: Math.max(1, top - bottom) };
}
