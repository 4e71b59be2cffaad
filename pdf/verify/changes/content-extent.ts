import { Parser } from '../../core/parser';
import { PdfName, PdfString, type PdfValue } from '../../core/objects';
import type { GlyphMetrics } from './font-bounds';

/**
 * Where a content stream may draw (ISO 32000-1 8, 9), over-estimated without rendering: the boxes returned contain
 * every mark the stream can make on the page, or the answer is `undefined` ("anywhere"). Used to prove that an
 * annotation added after signing covers nothing the signed page shows (DSS's visual-difference and annotation-overlap
 * checks, without a renderer). Every approximation errs towards a larger box:
 * - text: each byte of a shown string may advance between 0 and the font's widest glyph, and each glyph's ink lies
 *   in the font's /FontBBox around its origin (Tc, Tw, Tz, Ts, TJ offsets applied to both bounds); fonts without
 *   such metrics (`font-bounds.ts`: Type 3, vertical, unreadable) are "anywhere";
 * - paths: the box of every point (Bézier control points included) widened by five line widths (miter joins);
 * - images and inline images: the unit square under the CTM; form XObjects: their /BBox under /Matrix and the CTM;
 * - shadings (`sh`), PostScript XObjects, unknown resources, unreadable syntax: "anywhere".
 */

export type Box = [number, number, number, number];
type Matrix = [number, number, number, number, number, number];

/** What the resources tell about a name used by the content: enough to bound what it draws. */
export interface ExtentResources {
  /** Font resource: its glyph metrics, undefined when they cannot be bounded (Type 3, vertical writing). */
  font(name: string): GlyphMetrics | undefined;
  /** XObject resource: the box in form space it draws into (unit square for an image), undefined if unknown. */
  xobject(name: string): { bbox: Box; matrix: Matrix } | undefined;
}

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
const MAX_OPERATIONS = 1_000_000;

export function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}

function point(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

/** Bounding box of the rectangle (x1, y1)–(x2, y2) mapped by `m`. */
export function mapBox(m: Matrix, [x1, y1, x2, y2]: Box): Box {
  const pts = [point(m, x1, y1), point(m, x2, y1), point(m, x1, y2), point(m, x2, y2)];
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Whether two boxes share interior area (touching edges do not overlap). */
export function boxesOverlap(a: Box, b: Box): boolean {
  return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
}

export function asMatrix(v: PdfValue | undefined): Matrix | undefined {
  if (v === undefined) return IDENTITY;
  return Array.isArray(v) && v.length === 6 && v.every((x) => typeof x === 'number' && isFinite(x))
    ? (v as Matrix)
    : undefined;
}

export function asBox(v: PdfValue | undefined): Box | undefined {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number' && isFinite(x)))
    return undefined;
  const [a, b, c, d] = v as number[];
  return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!), Math.max(b!, d!)];
}

/** Thrown inside the scan when the stream may draw anywhere. */
class Anywhere extends Error {}

interface GraphicsState {
  ctm: Matrix;
  lineWidth: number;
  font: GlyphMetrics | undefined;
  fontSize: number;
  charSpacing: number;
  wordSpacing: number;
  scale: number;
  leading: number;
  rise: number;
}

const isWhite = (c: number) => c === 0 || c === 9 || c === 10 || c === 12 || c === 13 || c === 32;
const isDelim = (c: number) => '()<>[]{}/%'.includes(String.fromCharCode(c));
const OPERAND_START = new Set([...'/(<[+-.0123456789'].map((c) => c.charCodeAt(0)));

/** Operators with their operands, in order; inline image data is skipped (`BI` stands for the whole image). */
function* operations(data: Uint8Array): Generator<{ op: string; args: PdfValue[] }> {
  const p = new Parser(data, 0, true);
  let args: PdfValue[] = [];
  for (;;) {
    p.skipWhite();
    if (p.pos >= data.length) return;
    const c = data[p.pos]!;
    if (OPERAND_START.has(c)) {
      args.push(p.parseValue());
      if (args.length > 64) throw new Anywhere();
      continue;
    }
    if (isDelim(c)) throw new Anywhere();
    const start = p.pos;
    while (p.pos < data.length && !isWhite(data[p.pos]!) && !isDelim(data[p.pos]!)) p.pos++;
    const op = Buffer.from(data.subarray(start, p.pos)).toString('latin1');
    if (op === 'true' || op === 'false' || op === 'null') {
      args.push(op === 'null' ? null : op === 'true');
      continue;
    }
    if (op === 'BI') p.pos = skipInlineImage(data, p.pos);
    yield { op, args };
    args = [];
  }
}

/** Offset just past the `EI` that ends an inline image started at `from` (ISO 32000-1 8.9.7). */
function skipInlineImage(data: Uint8Array, from: number): number {
  const text = Buffer.from(data.subarray(from)).toString('latin1');
  const id = /\sID\s/.exec(text);
  if (!id) throw new Anywhere();
  const ei = /\sEI(?=\s|$)/g;
  ei.lastIndex = id.index + id[0].length;
  const end = ei.exec(text);
  if (!end) throw new Anywhere();
  return from + end.index + end[0].length;
}

const num = (v: PdfValue | undefined): number => {
  if (typeof v !== 'number' || !isFinite(v)) throw new Anywhere();
  return v;
};
const nums = (args: PdfValue[], n: number): number[] => args.slice(-n).map(num);

/** Text object state: the text matrix, line matrix, and the interval the current point may lie in along x. */
class TextCursor {
  tm: Matrix = IDENTITY;
  tlm: Matrix = IDENTITY;
  lo = 0;
  hi = 0;

  moveLine(tx: number, ty: number): void {
    this.tlm = multiply([1, 0, 0, 1, tx, ty], this.tlm);
    this.setMatrix(this.tlm);
  }

  setMatrix(m: Matrix): void {
    this.tm = m;
    this.tlm = m;
    this.lo = 0;
    this.hi = 0;
  }

  /** Shows `items` (strings and TJ offsets); returns the text-space box the glyphs may cover. */
  show(gs: GraphicsState, font: GlyphMetrics, items: PdfValue[]): Box {
    const fs = gs.fontSize;
    const th = gs.scale / 100;
    // Four bracketing runs: start at either end of the interval, every glyph advancing 0 or the widest advance.
    const runs = [
      { x: this.lo, w: 0 },
      { x: this.lo, w: font.maxAdvance },
      { x: this.hi, w: 0 },
      { x: this.hi, w: font.maxAdvance },
    ];
    // Every glyph origin lies between the smallest and the largest run position.
    let min = Math.min(this.lo, this.hi);
    let max = Math.max(this.lo, this.hi);
    for (const item of items) {
      if (typeof item === 'number') {
        for (const r of runs) r.x -= (item / 1000) * fs * th;
      } else if (item instanceof PdfString) {
        for (const byte of item.bytes)
          for (const r of runs) {
            // Tw on spaces may move back while Tc moves on: every intermediate origin counts.
            r.x += (r.w * fs + gs.charSpacing + (byte === 32 ? gs.wordSpacing : 0)) * th;
            min = Math.min(min, r.x);
            max = Math.max(max, r.x);
          }
      } else throw new Anywhere();
      for (const r of runs) {
        min = Math.min(min, r.x);
        max = Math.max(max, r.x);
      }
    }
    this.lo = Math.min(...runs.map((r) => r.x));
    this.hi = Math.max(...runs.map((r) => r.x));
    // Ink around an origin: the glyph box scaled by the font size and horizontal scaling (either may be negative).
    const xs = [font.xMin * fs * th, font.xMax * fs * th, 0];
    const ys = [font.yMin * fs, font.yMax * fs];
    return [
      min + Math.min(...xs),
      gs.rise + Math.min(...ys),
      max + Math.max(...xs),
      gs.rise + Math.max(...ys),
    ];
  }
}

/** Scans content and reports each box it may draw into (user space of the page). */
class ExtentScanner {
  gs: GraphicsState = {
    ctm: IDENTITY,
    lineWidth: 1,
    font: undefined,
    fontSize: 0,
    charSpacing: 0,
    wordSpacing: 0,
    scale: 100,
    leading: 0,
    rise: 0,
  };
  private stack: GraphicsState[] = [];
  private path: [number, number][] = [];
  private text = new TextCursor();
  readonly boxes: Box[] = [];

  constructor(private readonly res: ExtentResources) {}

  private addPoints(args: PdfValue[], n: number): void {
    const v = nums(args, n);
    for (let i = 0; i + 1 < v.length; i += 2) this.path.push(point(this.gs.ctm, v[i]!, v[i + 1]!));
  }

  private paint(): void {
    if (!this.path.length) return;
    const m = this.gs.ctm;
    const scale = Math.max(Math.hypot(m[0], m[1]), Math.hypot(m[2], m[3]));
    const grow = (5 * Math.abs(this.gs.lineWidth) + 1) * scale;
    // A loop, not Math.min(...points): a path may hold more points than a call takes arguments.
    const box: Box = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of this.path) {
      box[0] = Math.min(box[0], x - grow);
      box[1] = Math.min(box[1], y - grow);
      box[2] = Math.max(box[2], x + grow);
      box[3] = Math.max(box[3], y + grow);
    }
    this.boxes.push(box);
    this.path = [];
  }

  private showText(items: PdfValue[]): void {
    if (!this.gs.font) throw new Anywhere();
    const box = this.text.show(this.gs, this.gs.font, items);
    const [x1, y1, x2, y2] = mapBox(multiply(this.text.tm, this.gs.ctm), box);
    // Stroked text (Tr 1, 2, 5, 6) reaches half a line width beyond the outlines.
    const m = this.gs.ctm;
    const grow = Math.abs(this.gs.lineWidth) * Math.max(Math.hypot(m[0], m[1]), Math.hypot(m[2], m[3]));
    this.boxes.push([x1 - grow, y1 - grow, x2 + grow, y2 + grow]);
  }

  private nextLine(): void {
    this.text.moveLine(0, -this.gs.leading);
  }

  /** Path, painting and graphics-state operators; false when `op` is not one of them. */
  private pathOrState(op: string, args: PdfValue[]): boolean {
    if (op === 'q') this.stack.push({ ...this.gs });
    else if (op === 'Q') this.gs = this.stack.pop() ?? this.gs;
    else if (op === 'cm') this.gs.ctm = multiply(nums(args, 6) as Matrix, this.gs.ctm);
    else if (op === 'w') this.gs.lineWidth = num(args[0]);
    else if (op === 'm' || op === 'l') this.addPoints(args, 2);
    else if (op === 'c') this.addPoints(args, 6);
    else if (op === 'v' || op === 'y') this.addPoints(args, 4);
    else if (op === 're') {
      const [x, y, w, h] = nums(args, 4) as [number, number, number, number];
      this.path.push(...[point(this.gs.ctm, x, y), point(this.gs.ctm, x + w, y + h)]);
      this.path.push(...[point(this.gs.ctm, x + w, y), point(this.gs.ctm, x, y + h)]);
    } else if (['S', 's', 'f', 'F', 'f*', 'B', 'B*', 'b', 'b*'].includes(op)) this.paint();
    else if (op === 'n') this.path = [];
    else if (op === 'sh') throw new Anywhere();
    else if (op === 'BI') this.boxes.push(mapBox(this.gs.ctm, [0, 0, 1, 1]));
    else if (op === 'Do') this.drawXObject(args[0]);
    else return false;
    return true;
  }

  private drawXObject(name: PdfValue | undefined): void {
    const x = name instanceof PdfName ? this.res.xobject(name.name) : undefined;
    if (!x) throw new Anywhere();
    this.boxes.push(mapBox(multiply(x.matrix, this.gs.ctm), x.bbox));
  }

  /** Text operators (ISO 32000-1 9.3, 9.4); false when `op` is not one of them. */
  private textOp(op: string, args: PdfValue[]): boolean {
    const gs = this.gs;
    if (op === 'BT') this.text = new TextCursor();
    else if (op === 'Tf') {
      const name = args[0];
      gs.font = name instanceof PdfName ? this.res.font(name.name) : undefined;
      gs.fontSize = num(args[1]);
    } else if (op === 'Tc') gs.charSpacing = num(args[0]);
    else if (op === 'Tw') gs.wordSpacing = num(args[0]);
    else if (op === 'Tz') gs.scale = num(args[0]);
    else if (op === 'TL') gs.leading = num(args[0]);
    else if (op === 'Ts') gs.rise = num(args[0]);
    else if (op === 'Td' || op === 'TD') {
      const [tx, ty] = nums(args, 2) as [number, number];
      if (op === 'TD') gs.leading = -ty;
      this.text.moveLine(tx, ty);
    } else if (op === 'Tm') this.text.setMatrix(nums(args, 6) as Matrix);
    else if (op === 'T*') this.nextLine();
    else if (op === 'Tj') this.showText([args[0] ?? null]);
    else if (op === 'TJ') this.showText(Array.isArray(args[0]) ? args[0] : [null]);
    else if (op === "'" || op === '"') {
      if (op === '"') [gs.wordSpacing, gs.charSpacing] = nums(args.slice(0, 2), 2) as [number, number];
      this.nextLine();
      this.showText([args[args.length - 1] ?? null]);
    } else return false;
    return true;
  }

  scan(data: Uint8Array): void {
    let count = 0;
    for (const { op, args } of operations(data)) {
      if (++count > MAX_OPERATIONS) throw new Anywhere();
      if (!this.pathOrState(op, args)) this.textOp(op, args);
    }
  }
}

/**
 * Boxes (default user space) that the content, read as one stream, may draw into; undefined when it may draw
 * anywhere (see the module comment for what that covers).
 */
export function contentExtent(data: Uint8Array, res: ExtentResources): Box[] | undefined {
  const scanner = new ExtentScanner(res);
  try {
    scanner.scan(data);
  } catch {
    // Unknown fonts or XObjects, shadings, malformed syntax: nothing can be proved clear.
    return undefined;
  }
  return scanner.boxes;
}
