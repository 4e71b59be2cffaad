import { Decryptor } from './encryption/decryptor';
import { PdfError, isPdfError } from './errors';
import { type FormField, formFields } from './fields';
import { MAX_DECODED_STREAM, decodeStream } from './filters';
import { PdfDict, PdfRef, PdfStream, PdfString, type PdfValue, isDict, nameOf, numberOf } from './objects';
import { Parser } from './parser';
import { eofMarkers, reconstructXref } from './recover';
import type { ByteSource } from './source';
import { endstreamAt, measureStream } from './stream-length';
import { type StructureWarning, WarningLog } from './warnings';
import {
  type XrefEntry,
  type XrefSection,
  findNear,
  findStartXref,
  locateStartXref,
  readXrefChain,
  withWindow,
} from './xref';

export { decodeTextString, encodeTextString, type FormField } from './fields';

const MAX_PAGES = 100_000;
/** Highest object number accepted from a trailer's /Size (ISO 32000-1 Annex C: 8 388 607 indirect objects). */
const MAX_OBJECT_NUMBER = 10_000_000;
/** Longest chain of objects whose resolution needs another (object streams, indirect /Length). */
const MAX_RESOLUTION_DEPTH = 32;
/** How many earlier revisions recovery tries as a readable base before scanning the whole file. */
const MAX_BASE_ATTEMPTS = 64;

/** Options of {@link PdfReader.open}. */
export interface OpenOptions {
  /**
   * Rebuild an unreadable cross-reference chain by scanning for objects (ISO 32000-1 7.5.4 says readers may). Off by
   * default: the signer appends to a file and must not build on a structure it had to guess. Verification turns it on
   * and reports {@link PdfReader.recovery} and {@link PdfReader.warnings}.
   */
  recover?: boolean;
}

/** How a reader opened with `recover` rebuilt its cross-reference entries. */
export interface RecoveryInfo {
  /** Why the chain could not be read. */
  reason: string;
  /** Objects at or after this offset were found by scanning; those before come from the intact revision ending here. */
  scannedFrom: number;
  /** Number of entries the scan found. */
  objects: number;
}

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

/** `num gen obj` for one object, at a token boundary. */
function headerPattern(num: number): RegExp {
  return new RegExp(
    `(?<![0-9])(${num}[\\0\\t\\n\\f\\r ]+\\d{1,5}[\\0\\t\\n\\f\\r ]+obj)(?![A-Za-z0-9])`,
    'g',
  );
}

/**
 * Read-only view of a PDF through its cross-reference chain (ISO 32000-1 7.5): resolves indirect objects on demand
 * from a {@link ByteSource}, including objects in object streams (7.5.7) and incremental updates (7.5.6).
 * Open the document as of an earlier revision with {@link PdfReader.openPrefix}.
 */
export class PdfReader {
  private readonly cache = new Map<number, PdfValue>();
  private readonly objStmCache = new Map<
    number,
    { data: Uint8Array; first: number; nums: number[]; offsets: number[] }
  >();
  private readonly log: WarningLog;
  /** Set for an encrypted document that opens with the empty user password. */
  private crypt?: Decryptor;
  /** Number of the encryption dictionary, which is itself never encrypted (7.6.1). */
  private encryptNum?: number;

  private constructor(
    readonly src: ByteSource,
    /** Offset of the newest cross-reference section (given by the last startxref, corrected if it was off). */
    readonly startXref: number,
    /** Cross-reference sections, newest first (after recovery: those of the intact base revision, possibly none). */
    readonly sections: XrefSection[],
    /** Merged entries: for each object number, the entry from the newest section that lists it. */
    readonly entries: Map<number, XrefEntry>,
    /** Trailer of the newest section (7.5.5), or the one recovery found. */
    readonly trailer: PdfDict,
    log: WarningLog,
    /** Set when the cross-reference chain was unreadable and rebuilt by scanning (only with `recover`). */
    readonly recovery?: RecoveryInfo,
  ) {
    this.log = log;
  }

  /**
   * Opens the document whose last startxref is near the end of `src`. Throws PdfError on a broken structure
   * (MALFORMED_PDF, XREF_BROKEN, LIMIT_EXCEEDED, ENCRYPTED_PDF), unless `recover` can rebuild it.
   */
  static async open(src: ByteSource, opts: OpenOptions = {}): Promise<PdfReader> {
    const head = Buffer.from(await src.read(0, 1024));
    if (head.indexOf('%PDF-') < 0) throw new PdfError('MALFORMED_PDF', 'no %PDF- header');
    const log = new WarningLog();
    let reader: PdfReader;
    try {
      reader = await PdfReader.openChain(src, log);
      if (opts.recover) {
        // A chain that reads but leads nowhere (catalog missing or not where the table says) is damaged too.
        await reader.catalog();
        // Objects after the revision the last startxref closes, without a readable cross-reference section of
        // their own, are what lenient viewers display and strict readers ignore (incremental saving attack,
        // Mladenov et al. 2019): read them as the update they are.
        const { revisionEnd } = await locateStartXref(src);
        if (revisionEnd < src.size && (await reconstructXref(src, revisionEnd)).entries.size > 0) {
          const reason = `objects after the revision ending at ${revisionEnd}`;
          reader = await PdfReader.reconstruct(src, log, reason, { reader, end: revisionEnd });
        }
      }
    } catch (err) {
      if (!opts.recover || !isPdfError(err) || !['XREF_BROKEN', 'MALFORMED_PDF'].includes(err.code))
        throw err;
      reader = await PdfReader.reconstruct(src, log, err.message);
    }
    if (reader.trailer.has('Encrypt')) await reader.setUpDecryption();
    return reader;
  }

  /** Whether the document is encrypted (and opened with the empty user password). */
  get encrypted(): boolean {
    return this.crypt !== undefined;
  }

  /**
   * Prepares reading an encrypted document (ISO 32000-1 7.6): strings and streams are decrypted as objects are read,
   * so every caller sees plain values. Throws ENCRYPTED_PDF when a password or an unsupported handler is needed.
   */
  private async setUpDecryption(): Promise<void> {
    const ref = this.trailer.get('Encrypt');
    if (ref instanceof PdfRef) this.encryptNum = ref.num;
    const enc = await this.resolveDict(ref);
    if (!enc) throw new PdfError('ENCRYPTED_PDF', 'the encryption dictionary is missing');
    const ids = await this.resolve(this.trailer.get('ID'));
    const id0 = Array.isArray(ids) && ids[0] instanceof PdfString ? ids[0].bytes : new Uint8Array(0);
    this.crypt = Decryptor.open(enc, id0);
    // Objects read so far (the catalog, when recovering) were read without decryption.
    this.cache.clear();
    this.objStmCache.clear();
  }

  /** Opens the revision made of the first `length` bytes of `src` (e.g. the revision a signature covers). */
  static openPrefix(src: ByteSource, length: number, opts: OpenOptions = {}): Promise<PdfReader> {
    return PdfReader.open(new PrefixSource(src, Math.max(0, Math.min(length, src.size))), opts);
  }

  private static async openChain(src: ByteSource, log: WarningLog): Promise<PdfReader> {
    const sections = await readXrefChain(src, await findStartXref(src), log);
    const entries = new Map<number, XrefEntry>();
    for (const s of sections) for (const [num, e] of s.entries) if (!entries.has(num)) entries.set(num, e);
    return new PdfReader(src, sections[0]!.offset, sections, entries, sections[0]!.trailer, log);
  }

  /**
   * Rebuilds the entries of a file whose chain is unreadable. The newest revision that still opens on its own (an
   * intact prefix ending at a %%EOF) keeps its entries; only the bytes after it are scanned, and what the scan finds
   * overrides like an incremental update would. So a later, damaged update can add or replace objects (and the change
   * analysis sees it), but cannot make the reader prefer some other definition inside the intact revision.
   */
  private static async reconstruct(
    src: ByteSource,
    log: WarningLog,
    reason: string,
    intact?: { reader: PdfReader; end: number },
  ): Promise<PdfReader> {
    let base = intact?.reader;
    const ends = base ? [] : (await eofMarkers(src)).filter((e) => e < src.size).reverse();
    for (const end of ends.slice(0, MAX_BASE_ATTEMPTS)) {
      try {
        const candidate = await PdfReader.openChain(new PrefixSource(src, end), new WarningLog());
        await candidate.catalog();
        base = candidate;
        break;
      } catch (err) {
        if (!isPdfError(err)) throw err;
      }
    }
    const from = intact?.end ?? base?.src.size ?? 0;
    const found = await reconstructXref(src, from);
    const entries = new Map(base?.entries);
    for (const [num, e] of found.entries) entries.set(num, e);
    let trailer: PdfDict | undefined;
    if (found.trailer || base) {
      // Carry /Info, /ID and the like from the base when the damaged update's trailer is lost or partial.
      trailer = new PdfDict([...(base?.trailer.map ?? []), ...(found.trailer?.map ?? [])]);
      trailer.map.delete('Prev');
    } else if (found.catalog) trailer = new PdfDict([['Root', found.catalog]]);
    if (!trailer) throw new PdfError('XREF_BROKEN', `${reason}; no trailer or catalog found by scanning`);
    const recovery = { reason, scannedFrom: from, objects: found.entries.size };
    log.add(
      'XREF_RECONSTRUCTED',
      `cross-reference chain unreadable (${reason}); ${found.entries.size} objects from offset ${from} found by scanning`,
      from,
    );
    return new PdfReader(src, base?.startXref ?? 0, base?.sections ?? [], entries, trailer, log, recovery);
  }

  /** Oddities tolerated while reading so far (grows as objects are read). */
  get warnings(): readonly StructureWarning[] {
    return this.log.items;
  }

  /** Value of /Size: one more than the highest object number (7.5.5). */
  get size(): number {
    // A /Size that is not a plausible object count (1e300, -1, 2.5) is ignored: the entries say what exists.
    const stated = numberOf(this.trailer.get('Size')) ?? 0;
    let max = Number.isInteger(stated) && stated > 0 && stated <= MAX_OBJECT_NUMBER ? stated : 0;
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
  getObject(num: number): Promise<PdfValue> {
    return this.load(num, []);
  }

  /**
   * Resolves `num` as part of a resolution chain (`chain` holds the objects whose reading needs this one). A cycle is
   * detected per chain, not across concurrent resolutions: two objects of one object stream resolved in parallel
   * both wait for the stream without either being its own ancestor.
   */
  private async load(num: number, chain: readonly number[]): Promise<PdfValue> {
    if (this.cache.has(num)) return this.cache.get(num)!;
    if (chain.includes(num)) throw new PdfError('MALFORMED_PDF', `object ${num} refers to itself`);
    if (chain.length >= MAX_RESOLUTION_DEPTH)
      throw new PdfError('LIMIT_EXCEEDED', `resolving object ${num} needs too many other objects`);
    const next = [...chain, num];
    const entry = this.entries.get(num);
    let value: PdfValue = null;
    if (entry?.type === 'offset') value = await this.readAt(num, entry.offset, next);
    else if (entry?.type === 'compressed')
      value = await this.readCompressed(num, entry.stream, entry.index, next);
    this.cache.set(num, value);
    return value;
  }

  private async readAt(num: number, offset: number, chain: readonly number[]): Promise<PdfValue> {
    if (offset <= 0 || offset >= this.src.size)
      throw new PdfError('MALFORMED_PDF', `object ${num} offset out of range`);
    let parsed: { value: PdfValue; gen: number; stream?: { dict: PdfDict; dataStart: number } };
    try {
      parsed = await this.parseObjectAt(num, offset);
    } catch (err) {
      // The entry is off by a few bytes: take the header of this very object next to it. A deterministic, local
      // correction, so a signed revision and the full file resolve the same entry to the same object.
      if (!isPdfError(err) || err.code !== 'MALFORMED_PDF') throw err;
      const near = await findNear(this.src, offset, headerPattern(num));
      if (near === undefined || near === offset) throw err;
      parsed = await this.parseObjectAt(num, near);
      this.log.add('OBJECT_OFFSET_ADJUSTED', `object ${num} stated at ${offset} found at ${near}`, offset);
    }
    const gen = parsed.gen;
    if (this.crypt && num !== this.encryptNum) this.crypt.decryptValue(parsed.value, num, gen);
    if (!parsed.stream) return parsed.value;
    const { dict, dataStart } = parsed.stream;
    return new PdfStream(dict, dataStart, await this.streamLength(dict, dataStart, chain), { num, gen });
  }

  private parseObjectAt(num: number, offset: number) {
    return withWindow(this.src, offset, 4096, (p) => {
      const h = p.readObjHeader();
      if (h.num !== num)
        throw new PdfError('MALFORMED_PDF', `xref for object ${num} points to object ${h.num}`);
      const value = p.parseValue();
      return { value, gen: h.gen, stream: p.streamHeader(value) };
    });
  }

  /**
   * Length of a stream's data (7.3.8.1): /Length when it is a sane number followed by `endstream`, else measured up
   * to the keyword (recorded as a warning), as poppler and qpdf do for a wrong or dangling /Length.
   */
  private async streamLength(dict: PdfDict, dataStart: number, chain: readonly number[]): Promise<number> {
    const raw = dict.get('Length');
    let len: number | undefined;
    if (raw instanceof PdfRef) {
      len = numberOf(
        await this.load(raw.num, chain).catch((err: unknown) => {
          if (isPdfError(err) && err.code !== 'LIMIT_EXCEEDED') return undefined;
          throw err;
        }),
      );
    } else len = numberOf(raw);
    const plausible =
      len !== undefined && Number.isInteger(len) && len >= 0 && dataStart + len <= this.src.size;
    if (plausible && (await endstreamAt(this.src, dataStart + len!))) return len!;
    let measured: number;
    try {
      measured = await measureStream(this.src, dataStart);
    } catch (err) {
      // No `endstream` anywhere after the data: a plausible /Length is all there is (poppler and qpdf use it too).
      if (!plausible || !isPdfError(err)) throw err;
      this.log.add('STREAM_LENGTH_ADJUSTED', `stream has no endstream; /Length ${len} used`, dataStart);
      return len!;
    }
    this.log.add('STREAM_LENGTH_ADJUSTED', `/Length ${String(len)} replaced by ${measured}`, dataStart);
    return measured;
  }

  /** Encoded data of a stream (decrypted when the document is encrypted), refusing lengths beyond `max`. */
  async streamData(stream: PdfStream, max = MAX_DECODED_STREAM): Promise<Uint8Array> {
    if (stream.dataLength > max) throw new PdfError('LIMIT_EXCEEDED', `stream of ${stream.dataLength} bytes`);
    const raw = await this.src.read(stream.dataStart, stream.dataLength);
    const id = stream.id;
    if (!this.crypt || !id || id.num === this.encryptNum) return raw;
    return this.crypt.decryptStream(stream.dict, raw, id.num, id.gen);
  }

  private async readCompressed(
    num: number,
    stmNum: number,
    index: number,
    chain: readonly number[],
  ): Promise<PdfValue> {
    let stm = this.objStmCache.get(stmNum);
    if (!stm) {
      const s = await this.load(stmNum, chain);
      if (!(s instanceof PdfStream) || nameOf(s.dict.get('Type')) !== 'ObjStm')
        throw new PdfError('MALFORMED_PDF', `object stream ${stmNum} is missing`);
      const data = decodeStream(s.dict, await this.streamData(s));
      const n = numberOf(s.dict.get('N')) ?? 0;
      const first = numberOf(s.dict.get('First')) ?? 0;
      if (n < 0 || n > 1_000_000 || first < 0 || first > data.length)
        throw new PdfError('MALFORMED_PDF', `object stream ${stmNum} has a bad header`);
      const p = new Parser(data.subarray(0, first), 0, true);
      const nums: number[] = [];
      const offsets: number[] = [];
      for (let i = 0; i < n; i++) {
        nums.push(p.readInt());
        offsets.push(p.readInt());
      }
      stm = { data, first, nums, offsets };
      this.objStmCache.set(stmNum, stm);
    }
    // The xref gives the index in the stream; when that slot holds another number, look the object up by number.
    const at = stm.nums[index] === num ? index : stm.nums.indexOf(num);
    const off = stm.offsets[at];
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
  fields(): Promise<FormField[]> {
    return formFields(this);
  }
}
