import { PdfError } from './errors';
import { MAX_DECODED_STREAM, decodeStream } from './filters';
import type { PdfDict } from './objects';
import { PdfRef, PdfStream, PdfString, type PdfValue, isDict, nameOf, numberOf } from './objects';
import { Parser } from './parser';
import type { ByteSource } from './source';
import { type XrefEntry, type XrefSection, findStartXref, readXrefChain, withWindow } from './xref';

const MAX_PAGES = 100_000;

/** A source restricted to its first `size` bytes: the document as it was at an earlier revision. */
class PrefixSource implements ByteSource {
  constructor(
    private readonly src: ByteSource,
    readonly size: number,
  ) {}
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.src.read(offset, Math.max(0, Math.min(length, this.size - offset)));
  }
  async close(): Promise<void> {}
}

/**
 * Read-only view of a PDF through its cross-reference chain (ISO 32000-1 7.5): resolves indirect objects on demand
 * from a {@link ByteSource}, including objects in object streams (7.5.7) and incremental updates (7.5.6).
 * Open the document as of an earlier revision with {@link PdfReader.openPrefix}.
 */
export class PdfReader {
  private readonly cache = new Map<number, PdfValue>();
  private readonly objStmCache = new Map<number, { data: Uint8Array; first: number; offsets: number[] }>();
  private readonly resolving = new Set<number>();

  private constructor(
    readonly src: ByteSource,
    /** Offset given by the last startxref. */
    readonly startXref: number,
    /** Cross-reference sections, newest first. */
    readonly sections: XrefSection[],
    /** Merged entries: for each object number, the entry from the newest section that lists it. */
    readonly entries: Map<number, XrefEntry>,
  ) {}

  /** Opens the document whose last startxref is near the end of `src`. Throws PdfError on a broken structure. */
  static async open(src: ByteSource): Promise<PdfReader> {
    const head = Buffer.from(await src.read(0, 1024));
    if (head.indexOf('%PDF-') < 0) throw new PdfError('MALFORMED_PDF', 'no %PDF- header');
    const start = await findStartXref(src);
    const sections = await readXrefChain(src, start);
    const entries = new Map<number, XrefEntry>();
    for (const s of sections) for (const [num, e] of s.entries) if (!entries.has(num)) entries.set(num, e);
    const reader = new PdfReader(src, start, sections, entries);
    if (reader.trailer.has('Encrypt'))
      throw new PdfError('ENCRYPTED_PDF', 'encrypted documents are not supported');
    return reader;
  }

  /** Opens the revision made of the first `length` bytes of `src` (e.g. the revision a signature covers). */
  static openPrefix(src: ByteSource, length: number): Promise<PdfReader> {
    return PdfReader.open(new PrefixSource(src, length));
  }

  /** Trailer of the newest section (7.5.5). */
  get trailer(): PdfDict {
    return this.sections[0]!.trailer;
  }

  /** Value of /Size: one more than the highest object number (7.5.5). */
  get size(): number {
    let max = numberOf(this.trailer.get('Size')) ?? 0;
    for (const num of this.entries.keys()) max = Math.max(max, num + 1);
    return max;
  }

  /** Follows a reference (any depth of indirection is resolved once); direct values are returned as they are. */
  async resolve(v: PdfValue | undefined): Promise<PdfValue | undefined> {
    return v instanceof PdfRef ? this.getObject(v.num) : v;
  }

  async resolveDict(v: PdfValue | undefined): Promise<PdfDict | undefined> {
    const r = await this.resolve(v);
    if (isDict(r)) return r;
    if (r instanceof PdfStream) return r.dict;
    return undefined;
  }

  /** The object with number `num` in this revision, or null when it is free or missing (7.3.10). */
  async getObject(num: number): Promise<PdfValue> {
    if (this.cache.has(num)) return this.cache.get(num)!;
    if (this.resolving.has(num)) throw new PdfError('MALFORMED_PDF', `object ${num} refers to itself`);
    this.resolving.add(num);
    try {
      const entry = this.entries.get(num);
      let value: PdfValue = null;
      if (entry?.type === 'offset') value = await this.readAt(num, entry.offset);
      else if (entry?.type === 'compressed')
        value = await this.readCompressed(num, entry.stream, entry.index);
      this.cache.set(num, value);
      return value;
    } finally {
      this.resolving.delete(num);
    }
  }

  private async readAt(num: number, offset: number): Promise<PdfValue> {
    if (offset <= 0 || offset >= this.src.size)
      throw new PdfError('MALFORMED_PDF', `object ${num} offset out of range`);
    const parsed = await withWindow(this.src, offset, 4096, (p) => {
      const h = p.readObjHeader();
      if (h.num !== num)
        throw new PdfError('MALFORMED_PDF', `xref for object ${num} points to object ${h.num}`);
      const value = p.parseValue();
      return { value, stream: p.streamHeader(value) };
    });
    if (!parsed.stream) return parsed.value;
    const { dict, dataStart } = parsed.stream;
    return new PdfStream(dict, dataStart, await this.streamLength(dict, dataStart));
  }

  private async streamLength(dict: PdfDict, dataStart: number): Promise<number> {
    const raw = dict.get('Length');
    let len: number | undefined;
    if (raw instanceof PdfRef) {
      // /Length may be indirect; a dangling or cyclic reference falls back to scanning for `endstream`.
      len = numberOf(await this.getObject(raw.num).catch(() => undefined));
    } else len = numberOf(raw);
    if (len !== undefined && Number.isInteger(len) && len >= 0 && dataStart + len <= this.src.size)
      return len;
    return this.scanEndstream(dataStart);
  }

  private async scanEndstream(dataStart: number): Promise<number> {
    const chunk = 1 << 20;
    for (let pos = dataStart; pos < this.src.size; pos += chunk - 16) {
      const buf = Buffer.from(await this.src.read(pos, chunk));
      const at = buf.indexOf('endstream');
      if (at >= 0) {
        let end = pos + at;
        const prev = await this.src.read(Math.max(dataStart, end - 2), end - Math.max(dataStart, end - 2));
        if (prev.length === 2 && prev[0] === 0x0d && prev[1] === 0x0a) end -= 2;
        else if (prev.length >= 1 && (prev[prev.length - 1] === 0x0a || prev[prev.length - 1] === 0x0d))
          end -= 1;
        return end - dataStart;
      }
      if (buf.length < chunk) break;
    }
    throw new PdfError('MALFORMED_PDF', `stream at ${dataStart} has no end`);
  }

  /** Raw (encoded) data of a stream, refusing lengths beyond `max`. */
  async streamData(stream: PdfStream, max = MAX_DECODED_STREAM): Promise<Uint8Array> {
    if (stream.dataLength > max) throw new PdfError('LIMIT_EXCEEDED', `stream of ${stream.dataLength} bytes`);
    return this.src.read(stream.dataStart, stream.dataLength);
  }

  private async readCompressed(num: number, stmNum: number, index: number): Promise<PdfValue> {
    let stm = this.objStmCache.get(stmNum);
    if (!stm) {
      const s = await this.getObject(stmNum);
      if (!(s instanceof PdfStream) || nameOf(s.dict.get('Type')) !== 'ObjStm')
        throw new PdfError('MALFORMED_PDF', `object stream ${stmNum} is missing`);
      const data = decodeStream(s.dict, await this.streamData(s));
      const n = numberOf(s.dict.get('N')) ?? 0;
      const first = numberOf(s.dict.get('First')) ?? 0;
      if (n < 0 || n > 1_000_000 || first < 0 || first > data.length)
        throw new PdfError('MALFORMED_PDF', `object stream ${stmNum} has a bad header`);
      const p = new Parser(data.subarray(0, first), 0, true);
      const offsets: number[] = [];
      for (let i = 0; i < n; i++) {
        p.readInt();
        offsets.push(p.readInt());
      }
      stm = { data, first, offsets };
      this.objStmCache.set(stmNum, stm);
    }
    const off = stm.offsets[index];
    if (off === undefined)
      throw new PdfError('MALFORMED_PDF', `object ${num} not in object stream ${stmNum}`);
    const p = new Parser(stm.data.subarray(stm.first + off), 0, true);
    return p.parseValue();
  }

  /** Document catalog (7.7.2). */
  async catalog(): Promise<PdfDict> {
    const root = await this.resolveDict(this.trailer.get('Root'));
    if (!root) throw new PdfError('MALFORMED_PDF', 'trailer has no /Root catalog');
    return root;
  }

  /** References of the page objects in document order (7.7.3). */
  async pageRefs(): Promise<PdfRef[]> {
    const cat = await this.catalog();
    const out: PdfRef[] = [];
    const seen = new Set<number>();
    const walk = async (v: PdfValue | undefined, depth: number): Promise<void> => {
      if (!(v instanceof PdfRef) || seen.has(v.num) || depth > 64) return;
      seen.add(v.num);
      const node = await this.resolveDict(v);
      if (!node) return;
      const type = nameOf(node.get('Type'));
      const kids = await this.resolve(node.get('Kids'));
      if (type === 'Pages' || (type === undefined && Array.isArray(kids))) {
        if (Array.isArray(kids)) for (const k of kids) await walk(k, depth + 1);
      } else {
        out.push(v);
        if (out.length > MAX_PAGES) throw new PdfError('LIMIT_EXCEEDED', 'too many pages');
      }
    };
    await walk(cat.get('Pages'), 0);
    return out;
  }

  /** Terminal fields of the interactive form (12.7.3.1), with their references when indirect. */
  async fields(): Promise<{ ref?: PdfRef; dict: PdfDict; name: string; ft?: string }[]> {
    const cat = await this.catalog();
    const form = await this.resolveDict(cat.get('AcroForm'));
    const fields = await this.resolve(form?.get('Fields'));
    const out: { ref?: PdfRef; dict: PdfDict; name: string; ft?: string }[] = [];
    const seen = new Set<number>();
    const walk = async (v: PdfValue, prefix: string, inheritedFt: string | undefined, depth: number) => {
      if (depth > 32) return;
      if (v instanceof PdfRef) {
        if (seen.has(v.num)) return;
        seen.add(v.num);
      }
      const dict = await this.resolveDict(v);
      if (!dict) return;
      const t = dict.get('T');
      const part = t instanceof PdfString ? decodeTextString(t.bytes) : '';
      const name = prefix && part ? `${prefix}.${part}` : prefix || part;
      const ft = nameOf(dict.get('FT')) ?? inheritedFt;
      const kids = await this.resolve(dict.get('Kids'));
      if (Array.isArray(kids) && kids.length > 0 && kids.some((k) => k instanceof PdfRef)) {
        const kidDicts = await Promise.all(kids.map((k) => this.resolveDict(k)));
        // Kids that are only widgets (no /T) belong to this field.
        if (kidDicts.some((k) => k?.has('T'))) {
          for (const k of kids) await walk(k, name, ft, depth + 1);
          return;
        }
      }
      out.push({ ref: v instanceof PdfRef ? v : undefined, dict, name, ft });
    };
    if (Array.isArray(fields)) for (const f of fields) await walk(f, '', undefined, 0);
    return out;
  }
}

/** Decodes a PDF text string (7.9.2.2): UTF-16BE with BOM, UTF-8 with BOM, else PDFDocEncoding (approximated by Latin-1). */
export function decodeTextString(bytes: Uint8Array): string {
  const b = Buffer.from(bytes);
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const sw = Buffer.from(b.subarray(2));
    if (sw.length % 2)
      return sw
        .subarray(0, sw.length - 1)
        .swap16()
        .toString('utf16le');
    return sw.swap16().toString('utf16le');
  }
  if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return b.subarray(3).toString('utf8');
  return b.toString('latin1');
}

/** Encodes a PDF text string as UTF-16BE with BOM (7.9.2.2). */
export function encodeTextString(s: string): Uint8Array {
  const le = Buffer.from(s, 'utf16le');
  return Buffer.concat([Buffer.from([0xfe, 0xff]), le.swap16()]);
}
