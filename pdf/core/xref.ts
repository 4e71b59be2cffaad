import { PdfError } from './errors';
import { decodeStream } from './filters';
import { type PdfDict, type PdfValue, isDict, nameOf, numberOf } from './objects';
import { NeedMoreData, Parser } from './parser';
import type { ByteSource } from './source';
import type { WarningLog } from './warnings';

/** Cross-reference entry (ISO 32000-1 7.5.4 table, 7.5.8.3 stream). */
export type XrefEntry =
  | { type: 'free' }
  | { type: 'offset'; offset: number; gen: number }
  | { type: 'compressed'; stream: number; index: number };

/** One cross-reference section with its trailer, as found at `offset`. */
export interface XrefSection {
  offset: number;
  kind: 'table' | 'stream';
  trailer: PdfDict;
  entries: Map<number, XrefEntry>;
}

const MAX_SECTIONS = 4096;
const MAX_WINDOW = 256 * 1024 * 1024;
const MAX_OBJECTS = 10_000_000;

/**
 * Reads a window at `offset` and runs `fn` on a parser over it, growing the window when a token runs past its end.
 * Used for every structure read from a file so that memory is proportional to the structure, not the file.
 */
export async function withWindow<T>(
  src: ByteSource,
  offset: number,
  initial: number,
  fn: (p: Parser) => T | Promise<T>,
): Promise<T> {
  if (offset < 0 || offset >= src.size)
    throw new PdfError('MALFORMED_PDF', `offset ${offset} is outside the file`);
  for (let len = initial; ; len *= 4) {
    const buf = await src.read(offset, len);
    const p = new Parser(buf, offset, offset + buf.length >= src.size);
    try {
      return await fn(p);
    } catch (err) {
      if (!(err instanceof NeedMoreData)) throw err;
      if (len >= MAX_WINDOW) throw new PdfError('LIMIT_EXCEEDED', `structure at ${offset} is too large`);
    }
  }
}

const TAIL = 4096;
const BACK_CHUNK = 64 * 1024;

/**
 * Finds the offset given by the last `startxref` in the file (ISO 32000-1 7.5.5). Writers and transports sometimes
 * append garbage after `%%EOF`; like poppler and qpdf, the search continues backwards past the usual last kilobytes.
 */
export async function findStartXref(src: ByteSource): Promise<number> {
  return (await locateStartXref(src)).offset;
}

/**
 * Like {@link findStartXref}, also giving where the `startxref` keyword itself lies and where the revision it closes
 * ends (after the `%%EOF` that follows it and its EOL): bytes after that end are not described by the chain read.
 */
export async function locateStartXref(
  src: ByteSource,
): Promise<{ offset: number; keywordAt: number; revisionEnd: number }> {
  let end = src.size;
  let at = -1;
  let tail = Buffer.alloc(0);
  while (end > 0) {
    const len = Math.min(end, end === src.size ? TAIL : BACK_CHUNK);
    // Overlap by the keyword length so a `startxref` cut by a chunk boundary is still seen.
    tail = Buffer.from(await src.read(end - len, Math.min(src.size - (end - len), len + 32)));
    at = tail.lastIndexOf('startxref');
    if (at >= 0) break;
    end -= len;
  }
  if (at < 0) throw new PdfError('XREF_BROKEN', 'no startxref in the file');
  const keywordAt = end - Math.min(end, end === src.size ? TAIL : BACK_CHUNK) + at;
  const after = Buffer.from(await src.read(keywordAt, 1024)).toString('latin1');
  const m = /^startxref\s+(\d{1,15})/.exec(after);
  if (!m) throw new PdfError('XREF_BROKEN', 'startxref is not followed by an offset');
  const off = Number(m[1]);
  if (off >= src.size) throw new PdfError('XREF_BROKEN', `startxref ${off} points past end of file`);
  const eof = /%%EOF(\r\n|\r|\n)?/.exec(after);
  const revisionEnd = keywordAt + (eof ? eof.index + eof[0].length : m[0].length);
  return { offset: off, keywordAt, revisionEnd };
}

/** How far from a stated offset the reader looks for the structure that should be there. */
export const NEAR_RADIUS = 256;

/**
 * Offset of the match of `re` (a global regex over latin1 text; group 1, when present, marks the start) nearest to
 * `offset` within {@link NEAR_RADIUS} bytes, or undefined. Used when a writer's offsets are off by a few bytes
 * (an EOL counted as one byte instead of two, a BOM, a stray space): poppler and qpdf accept such files.
 */
export async function findNear(src: ByteSource, offset: number, re: RegExp): Promise<number | undefined> {
  const from = Math.max(0, offset - NEAR_RADIUS);
  const text = Buffer.from(await src.read(from, 2 * NEAR_RADIUS)).toString('latin1');
  let best: number | undefined;
  for (const m of text.matchAll(re)) {
    const at = from + m.index + (m[1] !== undefined ? m[0].indexOf(m[1]) : 0);
    if (best === undefined || Math.abs(at - offset) < Math.abs(best - offset)) best = at;
  }
  return best;
}

/** `xref` keyword or `N G obj` header at a token boundary (not the tail of `startxref`). */
const SECTION_START = /(?<![A-Za-z0-9])(xref|\d{1,10}[\0\t\n\f\r ]+\d{1,5}[\0\t\n\f\r ]+obj)(?![A-Za-z0-9])/g;

function readTable(p: Parser, offset: number): XrefSection {
  p.expectKeyword('xref');
  const entries = new Map<number, XrefEntry>();
  while (!p.tryKeyword('trailer')) {
    const first = p.readInt();
    const count = p.readInt();
    if (first + count > MAX_OBJECTS) throw new PdfError('LIMIT_EXCEEDED', 'xref subsection too large');
    for (let i = 0; i < count; i++) {
      const a = p.readInt();
      const g = p.readInt();
      p.skipWhite();
      const kw = p.tryKeyword('n') ? 'n' : p.tryKeyword('f') ? 'f' : undefined;
      if (!kw) throw new PdfError('XREF_BROKEN', `bad xref entry at ${p.offset}`);
      const num = first + i;
      if (entries.has(num)) continue;
      entries.set(num, kw === 'n' ? { type: 'offset', offset: a, gen: g } : { type: 'free' });
    }
  }
  const trailer = p.parseValue();
  if (!isDict(trailer)) throw new PdfError('XREF_BROKEN', 'trailer is not a dictionary');
  return { offset, kind: 'table', trailer, entries };
}

function field(data: Uint8Array, pos: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + data[pos + i]!;
  return v;
}

/** Parses the entries of a decoded xref stream (7.5.8.2, 7.5.8.3). */
export function xrefStreamEntries(dict: PdfDict, data: Uint8Array): Map<number, XrefEntry> {
  const w = dict.get('W');
  if (
    !Array.isArray(w) ||
    w.length < 3 ||
    !w.every((x) => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 8)
  )
    throw new PdfError('XREF_BROKEN', 'xref stream /W is invalid');
  const [w0, w1, w2] = w as number[];
  const rowLen = w0! + w1! + w2!;
  if (rowLen === 0) throw new PdfError('XREF_BROKEN', 'xref stream /W is empty');
  const size = numberOf(dict.get('Size'));
  if (size === undefined || size < 0 || size > MAX_OBJECTS)
    throw new PdfError('XREF_BROKEN', 'bad xref /Size');
  const idx = dict.get('Index');
  const index = Array.isArray(idx) ? (idx as PdfValue[]) : [0, size];
  const entries = new Map<number, XrefEntry>();
  let pos = 0;
  for (let i = 0; i + 1 < index.length; i += 2) {
    const first = numberOf(index[i]);
    const count = numberOf(index[i + 1]);
    if (
      first === undefined ||
      count === undefined ||
      !Number.isInteger(first) ||
      !Number.isInteger(count) ||
      first < 0 ||
      count < 0 ||
      first + count > MAX_OBJECTS
    )
      throw new PdfError('XREF_BROKEN', 'bad xref stream /Index');
    for (let j = 0; j < count; j++, pos += rowLen) {
      if (pos + rowLen > data.length) throw new PdfError('XREF_BROKEN', 'xref stream data is too short');
      const type = w0 === 0 ? 1 : field(data, pos, w0!);
      const a = field(data, pos + w0!, w1!);
      const b = field(data, pos + w0! + w1!, w2!);
      const num = first + j;
      if (entries.has(num)) continue;
      if (type === 0) entries.set(num, { type: 'free' });
      else if (type === 1) entries.set(num, { type: 'offset', offset: a, gen: b });
      else if (type === 2) entries.set(num, { type: 'compressed', stream: a, index: b });
    }
  }
  return entries;
}

async function readStreamSection(src: ByteSource, offset: number): Promise<XrefSection> {
  const { dict, dataStart } = await withWindow(src, offset, 4096, (p) => {
    p.readObjHeader();
    const value = p.parseValue();
    const h = p.streamHeader(value);
    if (!h) throw new PdfError('XREF_BROKEN', `no xref stream at ${offset}`);
    return h;
  });
  if (nameOf(dict.get('Type')) !== 'XRef')
    throw new PdfError('XREF_BROKEN', `object at ${offset} is not /XRef`);
  const length = numberOf(dict.get('Length'));
  if (length === undefined || length < 0 || dataStart + length > src.size)
    throw new PdfError('XREF_BROKEN', 'xref stream /Length is invalid');
  const raw = await src.read(dataStart, length);
  const entries = xrefStreamEntries(dict, decodeStream(dict, raw));
  return { offset, kind: 'stream', trailer: dict, entries };
}

/** Reads the xref section (table or stream) at exactly `offset`. */
async function readXrefSectionExact(src: ByteSource, offset: number, log?: WarningLog): Promise<XrefSection> {
  const isTable = await withWindow(src, offset, 64, (p) => {
    p.skipWhite();
    return p.tryKeyword('xref');
  });
  if (!isTable) return readStreamSection(src, offset);
  const section = await withWindow(src, offset, 64 * 1024, (p) => readTable(p, offset));
  // Hybrid-reference file (7.5.8.4): entries from /XRefStm complement the table's.
  const xrefStm = numberOf(section.trailer.get('XRefStm'));
  if (xrefStm !== undefined && xrefStm > 0 && xrefStm < src.size) {
    const extra = await readStreamSection(src, xrefStm).catch((err: unknown) => {
      if (!(err instanceof PdfError)) throw err;
      log?.add('XREF_STREAM_IGNORED', `/XRefStm ${xrefStm}: ${err.message}`, xrefStm);
      return undefined;
    });
    for (const [num, e] of extra?.entries ?? []) {
      const cur = section.entries.get(num);
      if (!cur || cur.type === 'free') section.entries.set(num, e);
    }
  }
  return section;
}

/**
 * Reads the xref section (table or stream) at `offset`, or, when nothing readable is there, at the nearest
 * `xref` / `N G obj` within {@link NEAR_RADIUS} bytes (recorded in `log`). Throws XREF_BROKEN otherwise.
 */
export async function readXrefSection(
  src: ByteSource,
  offset: number,
  log?: WarningLog,
): Promise<XrefSection> {
  try {
    return await readXrefSectionExact(src, offset, log);
  } catch (err) {
    if (!(err instanceof PdfError) || err.code === 'LIMIT_EXCEEDED') throw err;
    const near = await findNear(src, offset, SECTION_START);
    if (near === undefined || near === offset)
      throw new PdfError('XREF_BROKEN', `unreadable xref section at ${offset}: ${err.message}`, {
        cause: err,
      });
    const section = await readXrefSectionExact(src, near, log).catch((again: unknown) => {
      if (!(again instanceof PdfError) || again.code === 'LIMIT_EXCEEDED') throw again;
      throw new PdfError('XREF_BROKEN', `unreadable xref section at ${offset}: ${err.message}`, {
        cause: err,
      });
    });
    log?.add('XREF_OFFSET_ADJUSTED', `xref section stated at ${offset} found at ${near}`, offset);
    return section;
  }
}

/**
 * The section before one that says `/Prev 0`: the one named by the last `startxref` written before `before`, when
 * there is such a revision. Offset 0 is the header, never a section, so `/Prev 0` in an update is a writer's slip for
 * "the previous revision" (a first revision has no earlier startxref, and a linearized file's first-page trailer says
 * `startxref 0`); reading the update alone would leave a revision without its pages.
 */
async function previousRevisionXref(src: ByteSource, before: number): Promise<number | undefined> {
  const prefix: ByteSource = {
    size: before,
    read: (o, l) => src.read(o, Math.max(0, Math.min(l, before - o))),
    close: async () => {},
  };
  try {
    const { offset } = await locateStartXref(prefix);
    return offset > 0 && offset < before ? offset : undefined;
  } catch (err) {
    if (err instanceof PdfError) return undefined;
    throw err;
  }
}

/**
 * Offset of the section before `section` (its /Prev), or undefined at the end of the chain. For `/Prev 0` in an
 * update (see {@link previousRevisionXref}) it is the previous revision's startxref; when that does not read either,
 * the chain is broken like any other and recovery (PdfReader.open with `recover`) rebuilds it from the newest
 * revision that opens, so the update is never read as a document on its own.
 */
async function prevOffset(
  src: ByteSource,
  section: XrefSection,
  seen: ReadonlySet<number>,
  log?: WarningLog,
): Promise<number | undefined> {
  const prev = numberOf(section.trailer.get('Prev'));
  if (prev !== 0)
    return prev !== undefined && Number.isInteger(prev) && prev > 0 && prev < src.size ? prev : undefined;
  const found = await previousRevisionXref(src, section.offset);
  if (found === undefined || seen.has(found)) return undefined;
  log?.add(
    'XREF_PREV_RECOVERED',
    `/Prev 0 of the section at ${section.offset} read as ${found}`,
    section.offset,
  );
  return found;
}

/** Reads all sections from `start` following /Prev, newest first. Rejects loops and chains that are too long. */
export async function readXrefChain(
  src: ByteSource,
  start: number,
  log?: WarningLog,
): Promise<XrefSection[]> {
  const sections: XrefSection[] = [];
  const seen = new Set<number>();
  let off: number | undefined = start;
  while (off !== undefined) {
    if (seen.has(off)) throw new PdfError('XREF_BROKEN', `xref /Prev loop at ${off}`);
    if (sections.length >= MAX_SECTIONS) throw new PdfError('LIMIT_EXCEEDED', 'too many xref sections');
    seen.add(off);
    const section = await readXrefSection(src, off, log);
    if (section.offset !== off && seen.has(section.offset))
      throw new PdfError('XREF_BROKEN', `xref /Prev loop at ${section.offset}`);
    seen.add(section.offset);
    sections.push(section);
    off = await prevOffset(src, section, seen, log);
  }
  return sections;
}
