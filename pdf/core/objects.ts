/**
 * In-memory model of PDF objects (ISO 32000-1 7.3). Kept minimal: only what incremental signing and
 * signature verification need to read, compare and re-serialise.
 */

/** Indirect reference `num gen R` (ISO 32000-1 7.3.10). */
export class PdfRef {
  constructor(
    readonly num: number,
    readonly gen: number,
  ) {}
  toString(): string {
    return `${this.num} ${this.gen} R`;
  }
}

/** Name object (7.3.5), stored decoded (without the slash, `#xx` resolved). */
export class PdfName {
  constructor(readonly name: string) {}
}

/** String object (7.3.4), stored as raw decoded bytes; `hex` remembers the original form. */
export class PdfString {
  constructor(
    readonly bytes: Uint8Array,
    readonly hex: boolean,
    /** Absolute file offsets of the token (from `<` or `(` to the closing delimiter, exclusive end), when parsed from a file. */
    readonly span?: { start: number; end: number },
  ) {}
}

/** Dictionary (7.3.7). Keys are decoded names without the slash. */
export class PdfDict {
  readonly map: Map<string, PdfValue>;
  /**
   * Keys that occurred more than once when the dictionary was parsed. ISO 32000-1 7.3.7 requires keys to be unique;
   * the parser keeps the last value (as most readers do) and records the key here so that callers for whom the
   * ambiguity matters (signature dictionaries, ISO 32000-1 12.8.1) can refuse it instead of picking a winner.
   */
  readonly duplicateKeys: string[] = [];
  constructor(entries?: Iterable<[string, PdfValue]>) {
    this.map = new Map(entries);
  }
  get(key: string): PdfValue | undefined {
    return this.map.get(key);
  }
  set(key: string, value: PdfValue): this {
    this.map.set(key, value);
    return this;
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  clone(): PdfDict {
    return new PdfDict(this.map);
  }
}

/** Stream (7.3.8): its dictionary and where its raw (still encoded) data lies in the file. */
export class PdfStream {
  constructor(
    readonly dict: PdfDict,
    /** Absolute offset of the first data byte. */
    readonly dataStart: number,
    /** Number of encoded data bytes. */
    readonly dataLength: number,
    /** Object number and generation of the stream when read from the file: the key of an encrypted stream's data. */
    readonly id?: { num: number; gen: number },
  ) {}
}

export type PdfValue =
  null | boolean | number | PdfName | PdfString | PdfRef | PdfDict | PdfStream | PdfValue[];

export function isDict(v: PdfValue | undefined): v is PdfDict {
  return v instanceof PdfDict;
}

export function nameOf(v: PdfValue | undefined): string | undefined {
  return v instanceof PdfName ? v.name : undefined;
}

export function numberOf(v: PdfValue | undefined): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function isRef(v: PdfValue | undefined): v is PdfRef {
  return v instanceof PdfRef;
}

/** Structural equality of two values; references compare by number and generation, streams by position. */
export function deepEqual(a: PdfValue | undefined, b: PdfValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (a instanceof PdfRef) return b instanceof PdfRef && a.num === b.num && a.gen === b.gen;
  if (a instanceof PdfName) return b instanceof PdfName && a.name === b.name;
  if (a instanceof PdfString)
    return b instanceof PdfString && Buffer.from(a.bytes).equals(Buffer.from(b.bytes));
  if (a instanceof PdfDict) {
    if (!(b instanceof PdfDict) || a.map.size !== b.map.size) return false;
    for (const [k, v] of a.map) if (!deepEqual(v, b.map.get(k))) return false;
    return true;
  }
  if (a instanceof PdfStream)
    return (
      b instanceof PdfStream &&
      a.dataStart === b.dataStart &&
      a.dataLength === b.dataLength &&
      deepEqual(a.dict, b.dict)
    );
  return false;
}
