import { PdfError } from './errors';
import { MAX_DECODED_STREAM, decodeStream } from './filters';
import { type PdfDict, PdfRef, isDict, numberOf } from './objects';
import { Parser } from './parser';
import { type ByteSource, chunkReader } from './source';
import { type XrefEntry, withWindow } from './xref';

const CHUNK = 1 << 20;
const OVERLAP = 512;
const MAX_FOUND = 10_000_000;
const WS = '\\0\\t\\n\\f\\r ';
/** `N G obj` at a token boundary (ISO 32000-1 7.3.10). */
const OBJ_HEADER = new RegExp(
  `(?<=^|[${WS}()<>\\[\\]{}/%])(\\d{1,10})[${WS}]+(\\d{1,5})[${WS}]+obj(?![A-Za-z0-9])`,
  'g',
);
const TRAILER = new RegExp(`(?<=^|[${WS}])trailer(?=[${WS}<])`, 'g');
const TYPE_AFTER_HEADER = /^[^]{0,256}?\/Type\s*\/(XRef|ObjStm|Catalog)(?![A-Za-z0-9])/;
const EOF_MARK = '%%EOF';

/** What a scan of the file found, all offsets absolute and in file order. */
interface ScanResult {
  headers: Map<number, { offset: number; gen: number }>;
  trailers: number[];
  typed: { num: number; gen: number; offset: number; type: string }[];
}

async function scan(src: ByteSource, from: number): Promise<ScanResult> {
  const out: ScanResult = { headers: new Map(), trailers: [], typed: [] };
  let found = 0;
  for (let pos = from; pos < src.size; pos += CHUNK) {
    const text = Buffer.from(await src.read(pos, CHUNK + OVERLAP)).toString('latin1');
    const last = pos + CHUNK >= src.size;
    for (const m of text.matchAll(OBJ_HEADER)) {
      if (m.index >= CHUNK && !last) break;
      const num = Number(m[1]);
      const gen = Number(m[2]);
      if (++found > MAX_FOUND) throw new PdfError('LIMIT_EXCEEDED', 'too many objects to reconstruct');
      // Later definitions override earlier ones, as an incremental update would (7.5.6).
      out.headers.set(num, { offset: pos + m.index, gen });
      const t = TYPE_AFTER_HEADER.exec(text.slice(m.index + m[0].length, m.index + m[0].length + 300));
      if (t) out.typed.push({ num, gen, offset: pos + m.index, type: t[1]! });
    }
    for (const m of text.matchAll(TRAILER)) if (m.index < CHUNK || last) out.trailers.push(pos + m.index);
    if (last) break;
  }
  return out;
}

/** Numbers of the objects an object stream holds (7.5.7), read without the reader's xref. */
async function objectStreamMembers(src: ByteSource, offset: number): Promise<number[]> {
  const head = await withWindow(src, offset, 4096, (p) => {
    p.readObjHeader();
    const value = p.parseValue();
    return p.streamHeader(value);
  });
  if (!head) return [];
  const len = numberOf(head.dict.get('Length'));
  if (len === undefined || !Number.isInteger(len) || len < 0 || len > MAX_DECODED_STREAM) return [];
  const data = decodeStream(head.dict, await src.read(head.dataStart, len));
  const n = numberOf(head.dict.get('N')) ?? 0;
  const first = numberOf(head.dict.get('First')) ?? 0;
  if (!Number.isInteger(n) || n < 0 || n > 1_000_000 || first < 0 || first > data.length) return [];
  const p = new Parser(data.subarray(0, first), 0, true);
  const nums: number[] = [];
  for (let i = 0; i < n; i++) {
    nums.push(p.readInt());
    p.readInt();
  }
  return nums;
}

async function dictAt(src: ByteSource, offset: number, skipHeader: boolean): Promise<PdfDict | undefined> {
  try {
    return await withWindow(src, offset, 4096, (p) => {
      if (skipHeader) p.readObjHeader();
      else p.expectKeyword('trailer');
      const v = p.parseValue();
      return isDict(v) ? v : undefined;
    });
  } catch (err) {
    if (err instanceof PdfError && err.code === 'MALFORMED_PDF') return undefined;
    throw err;
  }
}

/** Result of {@link reconstructXref}. */
export interface Reconstruction {
  /** Entries of the objects defined at or after `from`, the last definition of each number winning. */
  entries: Map<number, XrefEntry>;
  /** The newest trailer (classic `trailer` dictionary or xref stream dictionary) with /Root, if any. */
  trailer?: PdfDict;
  /** A catalog found by its /Type, for files whose trailers are all lost. */
  catalog?: PdfRef;
}

/**
 * Rebuilds cross-reference entries by scanning `[from, end)` for `N G obj` headers, as pdfsig (poppler's
 * XRef::constructXRef) and qpdf (QPDF::reconstruct_xref) do for a damaged file. Objects inside object streams found
 * this way are added when the stream is the newest definition of its number and lies after the object's own header.
 * Callers scan only the bytes that no readable cross-reference section describes, so a stray definition inside an
 * intact (possibly signed) revision never overrides what that revision's own table says.
 */
export async function reconstructXref(src: ByteSource, from: number): Promise<Reconstruction> {
  const found = await scan(src, from);
  const entries = new Map<number, XrefEntry>();
  const position = new Map<number, number>();
  for (const [num, h] of found.headers) {
    entries.set(num, { type: 'offset', offset: h.offset, gen: h.gen });
    position.set(num, h.offset);
  }
  let trailer: { dict: PdfDict; at: number } | undefined;
  let catalog: PdfRef | undefined;
  for (const t of found.typed) {
    if (found.headers.get(t.num)?.offset !== t.offset) continue;
    if (t.type === 'Catalog') catalog = new PdfRef(t.num, t.gen);
    if (t.type === 'XRef') {
      const d = await dictAt(src, t.offset, true);
      if (d?.has('Root') && (!trailer || trailer.at < t.offset)) trailer = { dict: d, at: t.offset };
    }
    if (t.type === 'ObjStm') {
      const members = await objectStreamMembers(src, t.offset).catch((err: unknown) => {
        if (err instanceof PdfError && err.code !== 'LIMIT_EXCEEDED') return [];
        throw err;
      });
      members.forEach((num, index) => {
        if ((position.get(num) ?? -1) > t.offset) return;
        entries.set(num, { type: 'compressed', stream: t.num, index });
        position.set(num, t.offset);
      });
    }
  }
  for (const at of found.trailers) {
    const d = await dictAt(src, at, false);
    if (d?.has('Root') && (!trailer || trailer.at < at)) trailer = { dict: d, at };
  }
  return { entries, trailer: trailer?.dict, catalog };
}

/**
 * Ends of the revisions of a file: the byte after each `%%EOF` marker and its EOL (ISO 32000-1 7.5.5, 7.5.6),
 * ascending. Markers inside stream data are included too; callers check that a prefix opens.
 */
export async function eofMarkers(src: ByteSource): Promise<number[]> {
  const ends = new Set<number>();
  const read = chunkReader(src, CHUNK + EOF_MARK.length + 2);
  for (let pos = 0; pos < src.size; pos += CHUNK) {
    const buf = await read(pos, CHUNK + EOF_MARK.length + 2);
    for (let at = buf.indexOf(EOF_MARK); at >= 0 && at < CHUNK; at = buf.indexOf(EOF_MARK, at + 1)) {
      let end = at + EOF_MARK.length;
      if (buf[end] === 0x0d) end++;
      if (buf[end] === 0x0a) end++;
      ends.add(pos + Math.min(end, buf.length));
    }
    if (buf.length < CHUNK) break;
  }
  return [...ends].sort((a, b) => a - b);
}
