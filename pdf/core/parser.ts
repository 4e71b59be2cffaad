import { PdfError } from './errors';
import { PdfDict, PdfName, PdfRef, PdfString, type PdfValue } from './objects';

/** Thrown internally when a token runs past the end of the window; the caller re-reads a larger window. */
export class NeedMoreData extends Error {
  override readonly name = 'NeedMoreData';
}

const MAX_DEPTH = 64;

function isWhite(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;
}

function isDelim(c: number): boolean {
  return (
    c === 0x28 ||
    c === 0x29 ||
    c === 0x3c ||
    c === 0x3e ||
    c === 0x5b ||
    c === 0x5d ||
    c === 0x7b ||
    c === 0x7d ||
    c === 0x2f ||
    c === 0x25
  );
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Header of a stream found after a dictionary: its dictionary and where the data begins. */
export interface StreamHeader {
  dict: PdfDict;
  dataStart: number;
}

/**
 * Tokeniser and object parser for PDF syntax (ISO 32000-1 7.2, 7.3) over a window of the file.
 * `base` is the absolute file offset of `buf[0]`; offsets reported to callers are absolute.
 * When a token is cut by the end of the window and the window does not reach end of file, it throws
 * {@link NeedMoreData}; malformed syntax raises `PdfError('MALFORMED_PDF')`.
 */
export class Parser {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly base: number,
    readonly atEof: boolean,
  ) {}

  private fail(msg: string): never {
    throw new PdfError('MALFORMED_PDF', `${msg} at offset ${this.base + this.pos}`);
  }

  private eof(): never {
    if (!this.atEof) throw new NeedMoreData();
    this.fail('unexpected end of file');
  }

  /** Absolute offset of the cursor. */
  get offset(): number {
    return this.base + this.pos;
  }

  skipWhite(): void {
    const b = this.buf;
    for (;;) {
      while (this.pos < b.length && isWhite(b[this.pos]!)) this.pos++;
      if (this.pos < b.length && b[this.pos] === 0x25) {
        while (this.pos < b.length && b[this.pos] !== 0x0a && b[this.pos] !== 0x0d) this.pos++;
        continue;
      }
      break;
    }
    if (this.pos >= b.length && !this.atEof) throw new NeedMoreData();
  }

  /** Reads a regular token (number or keyword) without consuming delimiters. */
  private regular(): string {
    const b = this.buf;
    const start = this.pos;
    while (this.pos < b.length && !isWhite(b[this.pos]!) && !isDelim(b[this.pos]!)) this.pos++;
    if (this.pos >= b.length && !this.atEof) throw new NeedMoreData();
    if (this.pos - start > 256) this.fail('token too long');
    return Buffer.from(b.subarray(start, this.pos)).toString('latin1');
  }

  /** Peeks whether the next token is the keyword `kw` and consumes it if so. */
  tryKeyword(kw: string): boolean {
    this.skipWhite();
    const save = this.pos;
    if (this.pos >= this.buf.length) return false;
    if (isDelim(this.buf[this.pos]!)) return false;
    const t = this.regular();
    if (t === kw) return true;
    this.pos = save;
    return false;
  }

  expectKeyword(kw: string): void {
    if (!this.tryKeyword(kw)) this.fail(`expected '${kw}'`);
  }

  /** Reads a non-negative integer token. */
  readInt(): number {
    this.skipWhite();
    const t = this.regular();
    if (!/^\d{1,15}$/.test(t)) this.fail(`expected integer, got '${t.slice(0, 20)}'`);
    return Number(t);
  }

  /** Parses `num gen obj` and returns the object number and generation. */
  readObjHeader(): { num: number; gen: number } {
    const num = this.readInt();
    const gen = this.readInt();
    this.expectKeyword('obj');
    return { num, gen };
  }

  /** Parses one object. Streams are not handled here; see {@link parseIndirectBody}. */
  parseValue(depth = 0): PdfValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.skipWhite();
    const b = this.buf;
    if (this.pos >= b.length) this.eof();
    const c = b[this.pos]!;
    if (c === 0x2f) return this.parseName();
    if (c === 0x28) return this.parseLiteralString();
    if (c === 0x3c) {
      if (this.pos + 1 >= b.length) this.eof();
      if (b[this.pos + 1] === 0x3c) return this.parseDict(depth);
      return this.parseHexString();
    }
    if (c === 0x5b) {
      this.pos++;
      const arr: PdfValue[] = [];
      for (;;) {
        this.skipWhite();
        if (this.pos >= b.length) this.eof();
        if (b[this.pos] === 0x5d) {
          this.pos++;
          return arr;
        }
        arr.push(this.parseValue(depth + 1));
        if (arr.length > 1_000_000) this.fail('array too long');
      }
    }
    if (isDelim(c)) this.fail(`unexpected delimiter '${String.fromCharCode(c)}'`);
    const t = this.regular();
    if (t === 'true') return true;
    if (t === 'false') return false;
    if (t === 'null') return null;
    if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(t)) {
      const n = Number(t);
      if (/^\d+$/.test(t)) {
        // Possible indirect reference `num gen R`.
        const save = this.pos;
        try {
          this.skipWhite();
          const g = this.regular();
          if (/^\d+$/.test(g)) {
            this.skipWhite();
            if (this.regular() === 'R') return new PdfRef(n, Number(g));
          }
        } catch (err) {
          // A too-long token after the integer just means it was not a reference.
          if (!(err instanceof PdfError)) throw err;
        }
        this.pos = save;
      }
      return n;
    }
    this.fail(`unexpected token '${t.slice(0, 20)}'`);
  }

  private parseName(): PdfName {
    const b = this.buf;
    this.pos++;
    const start = this.pos;
    while (this.pos < b.length && !isWhite(b[this.pos]!) && !isDelim(b[this.pos]!)) this.pos++;
    if (this.pos >= b.length && !this.atEof) throw new NeedMoreData();
    if (this.pos - start > 1024) this.fail('name too long');
    const raw = Buffer.from(b.subarray(start, this.pos)).toString('latin1');
    const decoded = raw.replace(/#([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
    return new PdfName(decoded);
  }

  private parseHexString(): PdfString {
    const b = this.buf;
    const start = this.pos;
    // Find the end first: a signature's /Contents is tens of kilobytes, and a window cut inside it is re-read.
    const end = b.indexOf(0x3e, start + 1);
    if (end < 0) {
      this.pos = b.length;
      this.eof();
    }
    const out = new Uint8Array((end - start) >> 1);
    let n = 0;
    let hi = -1;
    for (let i = start + 1; i < end; i++) {
      const c = b[i]!;
      if (isWhite(c)) continue;
      const v = hexVal(c);
      if (v < 0) {
        this.pos = i;
        this.fail('bad hex string');
      }
      if (hi < 0) hi = v;
      else {
        out[n++] = (hi << 4) | v;
        hi = -1;
      }
    }
    // An odd number of digits: the last one is followed by an implied 0 (ISO 32000-1 7.3.4.3).
    if (hi >= 0) out[n++] = hi << 4;
    this.pos = end + 1;
    return new PdfString(out.slice(0, n), true, { start: this.base + start, end: this.base + this.pos });
  }

  private parseLiteralString(): PdfString {
    const b = this.buf;
    const start = this.pos;
    this.pos++;
    const out: number[] = [];
    let depth = 1;
    for (;;) {
      if (this.pos >= b.length) this.eof();
      let c = b[this.pos++]!;
      if (c === 0x5c) {
        if (this.pos >= b.length) this.eof();
        c = b[this.pos++]!;
        const map: Record<number, number> = { 0x6e: 10, 0x72: 13, 0x74: 9, 0x62: 8, 0x66: 12 };
        if (map[c] !== undefined) out.push(map[c]!);
        else if (c >= 0x30 && c <= 0x37) {
          let v = c - 0x30;
          for (let i = 0; i < 2 && this.pos < b.length && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x37; i++)
            v = v * 8 + (b[this.pos++]! - 0x30);
          out.push(v & 0xff);
        } else if (c === 0x0d) {
          if (this.pos < b.length && b[this.pos] === 0x0a) this.pos++;
        } else if (c !== 0x0a) out.push(c);
        continue;
      }
      if (c === 0x28) depth++;
      if (c === 0x29 && --depth === 0) break;
      out.push(c);
    }
    return new PdfString(Uint8Array.from(out), false, {
      start: this.base + start,
      end: this.base + this.pos,
    });
  }

  private parseDict(depth: number): PdfDict {
    const b = this.buf;
    this.pos += 2;
    const dict = new PdfDict();
    const seen = new Set<string>();
    for (;;) {
      this.skipWhite();
      if (this.pos >= b.length) this.eof();
      if (b[this.pos] === 0x3e) {
        if (this.pos + 1 >= b.length) this.eof();
        if (b[this.pos + 1] !== 0x3e) this.fail('bad dictionary end');
        this.pos += 2;
        return dict;
      }
      if (b[this.pos] !== 0x2f) this.fail('dictionary key is not a name');
      const key = this.parseName().name;
      const value = this.parseValue(depth + 1);
      // Keys seen with a null value count too: `/Contents null /Contents <...>` is just as ambiguous.
      if (seen.has(key)) {
        if (!dict.duplicateKeys.includes(key)) dict.duplicateKeys.push(key);
      } else seen.add(key);
      // A null value is equivalent to an absent entry (7.3.7).
      if (value !== null) dict.set(key, value);
      else dict.map.delete(key);
      if (seen.size > 100_000) this.fail('dictionary too large');
    }
  }

  /**
   * After an object's value: if the keyword `stream` follows a dictionary, returns where its data begins
   * (after the EOL that must follow the keyword, 7.3.8.1); otherwise undefined.
   */
  streamHeader(value: PdfValue): StreamHeader | undefined {
    if (!(value instanceof PdfDict)) return undefined;
    const save = this.pos;
    if (!this.tryKeyword('stream')) {
      this.pos = save;
      return undefined;
    }
    const b = this.buf;
    if (this.pos < b.length && b[this.pos] === 0x0d) this.pos++;
    if (this.pos < b.length && b[this.pos] === 0x0a) this.pos++;
    return { dict: value, dataStart: this.base + this.pos };
  }
}
