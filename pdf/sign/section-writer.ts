import { createHash } from 'node:crypto';
import { PdfDict, PdfName, type PdfRef, PdfString, type PdfValue } from '../core/objects';
import { serialize } from '../core/serialize';

/**
 * Accumulates the bytes of an incremental update (ISO 32000-1 7.5.6): new and changed objects, then a
 * cross-reference section with /Prev pointing to the previous one. Offsets are absolute: `base` is the size of the
 * file the section is appended to.
 */
export class SectionWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private readonly offsets = new Map<number, { offset: number; gen: number }>();

  constructor(
    readonly base: number,
    /** Whether the existing file ends with an EOL; if not, one is written first. */
    endsWithEol: boolean,
  ) {
    if (!endsWithEol) this.raw('\n');
  }

  /** Absolute offset of the next byte written. */
  get offset(): number {
    return this.base + this.length;
  }

  raw(s: string | Uint8Array): void {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : Buffer.from(s);
    this.chunks.push(b);
    this.length += b.length;
  }

  /** Writes `num gen obj ... endobj`; `body` is serialised PDF syntax. */
  object(num: number, gen: number, body: string | Uint8Array | PdfValue): void {
    this.offsets.set(num, { offset: this.offset, gen });
    this.raw(`${num} ${gen} obj\n`);
    if (typeof body === 'string' || body instanceof Uint8Array) this.raw(body);
    else this.raw(serialize(body));
    this.raw('\nendobj\n');
  }

  private subsections(nums: number[]): [number, number][] {
    const out: [number, number][] = [];
    for (const n of nums.sort((a, b) => a - b)) {
      const last = out[out.length - 1];
      if (last && last[0] + last[1] === n) last[1]++;
      else out.push([n, 1]);
    }
    return out;
  }

  /** Trailer entries carried over to the new section (7.5.5, 7.5.6). */
  static trailerEntries(prev: PdfDict, size: number, prevOffset: number, root: PdfRef): PdfDict {
    const t = new PdfDict([
      ['Size', size],
      ['Root', root],
    ]);
    const info = prev.get('Info');
    if (info) t.set('Info', info);
    const id = prev.get('ID');
    if (Array.isArray(id) && id[0] instanceof PdfString) {
      const second = createHash('md5')
        .update(id[0].bytes)
        .update(String(prevOffset))
        .update(String(size))
        .digest();
      t.set('ID', [id[0], new PdfString(second, true)]);
    }
    t.set('Prev', prevOffset);
    return t;
  }

  /** Writes a classic xref table and trailer (7.5.4, 7.5.5) and returns the whole section. */
  finishWithTable(trailer: PdfDict): Buffer {
    const xrefAt = this.offset;
    let s = 'xref\n';
    for (const [first, count] of this.subsections([...this.offsets.keys()])) {
      s += `${first} ${count}\n`;
      for (let n = first; n < first + count; n++) {
        const e = this.offsets.get(n)!;
        s += `${String(e.offset).padStart(10, '0')} ${String(e.gen).padStart(5, '0')} n\r\n`;
      }
    }
    this.raw(`${s}trailer\n${serialize(trailer)}\nstartxref\n${xrefAt}\n%%EOF\n`);
    return Buffer.concat(this.chunks);
  }

  /** Writes a cross-reference stream (7.5.8) numbered `num` and returns the whole section. */
  finishWithStream(trailer: PdfDict, num: number): Buffer {
    const xrefAt = this.offset;
    this.offsets.set(num, { offset: xrefAt, gen: 0 });
    const maxOffset = Math.max(...[...this.offsets.values()].map((e) => e.offset));
    const w1 = Math.max(4, Math.ceil(Math.log2(maxOffset + 1) / 8));
    const subs = this.subsections([...this.offsets.keys()]);
    const rows: number[] = [];
    for (const [first, count] of subs)
      for (let n = first; n < first + count; n++) {
        const e = this.offsets.get(n)!;
        rows.push(1);
        for (let i = w1 - 1; i >= 0; i--) rows.push(Math.floor(e.offset / 2 ** (8 * i)) & 0xff);
        rows.push((e.gen >> 8) & 0xff, e.gen & 0xff);
      }
    const data = Buffer.from(rows);
    const dict = new PdfDict([
      ['Type', new PdfName('XRef')],
      ['W', [1, w1, 2]],
      ['Index', subs.flat()],
      ['Length', data.length],
    ]);
    for (const [k, v] of trailer.map) dict.set(k, v);
    this.raw(`${num} 0 obj\n${serialize(dict)}\nstream\n`);
    this.raw(data);
    this.raw(`\nendstream\nendobj\nstartxref\n${xrefAt}\n%%EOF\n`);
    return Buffer.concat(this.chunks);
  }
}
