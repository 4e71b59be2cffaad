import { PdfReader } from '../../../../pdf/core/document';
import { PdfDict, PdfRef, PdfString, type PdfValue, numberOf } from '../../../../pdf/core/objects';
import { serialize } from '../../../../pdf/core/serialize';
import { bufferSource } from '../../../../pdf/core/source';

/** What an edit callback may do to the next revision. */
export interface Edit {
  /** The revision being updated. */
  r: PdfReader;
  /** Trailer of the new section: set /Root or /Info here. */
  trailer: PdfDict;
  add(v: PdfValue): PdfRef;
  stream(dict: Record<string, PdfValue>, data: string): PdfRef;
  set(num: number, v: PdfValue): void;
  setStream(num: number, dict: Record<string, PdfValue>, data: string): void;
  free(num: number): void;
  /** A copy of an object's dictionary, to change and `set` back. */
  dict(v: PdfValue | number | undefined): Promise<PdfDict>;
}

function streamBody(dict: Record<string, PdfValue>, data: string): string {
  const d = new PdfDict(Object.entries(dict)).set('Length', Buffer.byteLength(data, 'latin1'));
  return `${serialize(d)}\nstream\n${data}\nendstream`;
}

/**
 * Appends one incremental update (ISO 32000-1 7.5.6) written by hand: new and redefined objects, free entries and a
 * classic cross-reference table whose /Prev is the previous section. Used to build each change the analysis judges.
 */
export async function appendRevision(
  bytes: Uint8Array,
  edit: (e: Edit) => Promise<void> | void,
): Promise<Uint8Array> {
  const r = await PdfReader.open(bufferSource(bytes));
  let next = r.size;
  const bodies = new Map<number, string | null>();
  const trailer = new PdfDict([['Root', r.trailer.get('Root')!]]);
  const info = r.trailer.get('Info');
  if (info) trailer.set('Info', info);
  const e: Edit = {
    r,
    trailer,
    add: (v) => {
      const ref = new PdfRef(next++, 0);
      bodies.set(ref.num, serialize(v));
      return ref;
    },
    stream: (dict, data) => {
      const ref = new PdfRef(next++, 0);
      bodies.set(ref.num, streamBody(dict, data));
      return ref;
    },
    set: (num, v) => void bodies.set(num, serialize(v)),
    setStream: (num, dict, data) => void bodies.set(num, streamBody(dict, data)),
    free: (num) => void bodies.set(num, null),
    dict: async (v) => {
      const d = await r.resolveDict(typeof v === 'number' ? new PdfRef(v, 0) : v);
      return (d ?? new PdfDict()).clone();
    },
  };
  await edit(e);
  const chunks: string[] = [bytes[bytes.length - 1] === 0x0a ? '' : '\n'];
  let offset = bytes.length + chunks[0]!.length;
  const offsets = new Map<number, number>();
  for (const [num, body] of [...bodies].sort((a, b) => a[0] - b[0])) {
    if (body === null) continue;
    const text = `${num} 0 obj\n${body}\nendobj\n`;
    offsets.set(num, offset);
    chunks.push(text);
    offset += Buffer.byteLength(text, 'latin1');
  }
  let xref = 'xref\n';
  for (const num of [...bodies.keys()].sort((a, b) => a - b)) {
    const at = offsets.get(num);
    xref += `${num} 1\n${at === undefined ? '0000000000 00001 f' : `${String(at).padStart(10, '0')} 00000 n`}\r\n`;
  }
  // A test may declare a larger /Size (numbers reserved, as a crafted signed revision can).
  trailer.set('Size', Math.max(next, numberOf(trailer.get('Size')) ?? 0)).set('Prev', r.startXref);
  const id = r.trailer.get('ID');
  if (Array.isArray(id)) trailer.set('ID', id);
  chunks.push(`${xref}trailer\n${serialize(trailer)}\nstartxref\n${offset}\n%%EOF\n`);
  return Buffer.concat([Buffer.from(bytes), Buffer.from(chunks.join(''), 'latin1')]);
}

/** A PDF text string (7.9.2.2) in PDFDocEncoding-compatible ASCII. */
export function text(s: string): PdfString {
  return new PdfString(Buffer.from(s, 'latin1'), false);
}
