import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, tool } from './tools';

/**
 * Builds small PDFs byte by byte, so that tests can place every structure (object streams, xref streams, hybrid
 * sections, odd offsets and line ends) exactly where a quirky writer would.
 */

/** An object written as `num 0 obj <body> endobj`, or a member of an object stream. */
export interface HandObject {
  num: number;
  body: string;
}

export interface HandSpec {
  /** Objects written directly in the file body. */
  objects: HandObject[];
  /** Uncompressed object streams (ISO 32000-1 7.5.7) and their members. */
  objStms?: { num: number; members: HandObject[] }[];
  root: number;
  /** 'table' (7.5.4), 'stream' (7.5.8), or 'hybrid' (a table plus /XRefStm for compressed objects, 7.5.8.4). */
  xref?: 'table' | 'stream' | 'hybrid';
  /** End-of-line written between structural lines. */
  eol?: string;
  /** Extra trailer entries, e.g. `/Prev 0`. */
  trailerExtra?: string;
  /** Added to every object offset in the xref (a writer that miscounted its EOLs). */
  offsetDelta?: number;
  /** Added to the startxref value. */
  startxrefDelta?: number;
}

export interface HandPdf {
  bytes: Buffer;
  offsets: Map<number, number>;
  xrefAt: number;
}

/** The members of an object stream: header pairs then the objects, uncompressed. */
export function objStmBody(members: HandObject[]): string {
  let data = '';
  const pairs: string[] = [];
  for (const m of members) {
    pairs.push(`${m.num} ${data.length}`);
    data += `${m.body}\n`;
  }
  const header = `${pairs.join(' ')}\n`;
  const all = header + data;
  return `<</Type/ObjStm/N ${members.length}/First ${header.length}/Length ${all.length}>>\nstream\n${all}\nendstream`;
}

function row(type: number, a: number, b: number): Buffer {
  const r = Buffer.alloc(7);
  r[0] = type;
  r.writeUInt32BE(a, 1);
  r.writeUInt16BE(b, 5);
  return r;
}

/** Builds a one-revision PDF from `spec`. */
export function buildPdf(spec: HandSpec): HandPdf {
  const eol = spec.eol ?? '\n';
  const parts: Buffer[] = [Buffer.from(`%PDF-1.7${eol}%\xe2\xe3\xcf\xd3${eol}`, 'latin1')];
  let pos = parts[0]!.length;
  const offsets = new Map<number, number>();
  const compressed = new Map<number, { stream: number; index: number }>();
  const write = (s: string) => {
    const b = Buffer.from(s, 'latin1');
    parts.push(b);
    pos += b.length;
  };
  const direct = [...spec.objects];
  for (const s of spec.objStms ?? []) {
    direct.push({ num: s.num, body: objStmBody(s.members) });
    s.members.forEach((m, index) => compressed.set(m.num, { stream: s.num, index }));
  }
  for (const o of direct) {
    offsets.set(o.num, pos);
    write(`${o.num} 0 obj${eol}${o.body}${eol}endobj${eol}`);
  }
  const all = [...offsets.keys(), ...compressed.keys()];
  const kind = spec.xref ?? (compressed.size > 0 ? 'stream' : 'table');
  const delta = spec.offsetDelta ?? 0;
  let xrefStmAt: number | undefined;
  let size = Math.max(0, ...all) + 1;
  if (kind !== 'table') {
    // The xref stream describes every object (stream) or only the compressed ones (hybrid).
    const num = size++;
    xrefStmAt = pos;
    offsets.set(num, pos);
    const rows: Buffer[] = [row(0, 0, 65535)];
    for (let n = 1; n < size; n++) {
      const c = compressed.get(n);
      if (c) rows.push(row(2, c.stream, c.index));
      else if (kind === 'stream' && offsets.has(n)) rows.push(row(1, offsets.get(n)! + delta, 0));
      else rows.push(row(0, 0, 0));
    }
    const data = Buffer.concat(rows);
    const trailer = kind === 'stream' ? `/Root ${spec.root} 0 R${spec.trailerExtra ?? ''}` : '';
    write(
      `${num} 0 obj${eol}<</Type/XRef/W[1 4 2]/Size ${size}${trailer}/Length ${data.length}>>${eol}stream\n`,
    );
    parts.push(data);
    pos += data.length;
    write(`${eol}endstream${eol}endobj${eol}`);
  }
  let xrefAt = xrefStmAt!;
  if (kind !== 'stream') {
    xrefAt = pos;
    let t = `xref${eol}0 ${size}${eol}0000000000 65535 f\r\n`;
    for (let n = 1; n < size; n++) {
      const off = offsets.get(n);
      t +=
        off === undefined ? '0000000000 00000 f\r\n' : `${String(off + delta).padStart(10, '0')} 00000 n\r\n`;
    }
    const hybrid = kind === 'hybrid' ? `/XRefStm ${xrefStmAt}` : '';
    write(
      `${t}trailer${eol}<</Size ${size}/Root ${spec.root} 0 R${hybrid}${spec.trailerExtra ?? ''}>>${eol}`,
    );
  }
  write(`startxref${eol}${xrefAt + (spec.startxrefDelta ?? 0)}${eol}%%EOF${eol}`);
  return { bytes: Buffer.concat(parts), offsets, xrefAt };
}

/** Catalog, page tree and one page: the objects every test document starts from (numbers 1-4). */
export function basicObjects(extraCatalog = ''): HandObject[] {
  const content = 'BT /F1 12 Tf 72 720 Td (Hello) Tj ET';
  return [
    { num: 1, body: `<</Type/Catalog/Pages 2 0 R${extraCatalog}>>` },
    { num: 2, body: '<</Type/Pages/Kids[3 0 R]/Count 1>>' },
    { num: 3, body: '<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R>>' },
    { num: 4, body: `<</Length ${content.length}>>\nstream\n${content}\nendstream` },
  ];
}

/**
 * Appends an incremental update (7.5.6) with `objects` and a classic xref section whose /Prev is `prev`.
 * `brokenXref` writes a table whose entries point nowhere, as a damaged or malicious update would.
 */
export function appendRevision(
  base: Buffer,
  objects: HandObject[],
  opts: { root: number; prev: number; size: number; brokenXref?: boolean; noXref?: boolean },
): Buffer {
  const parts: Buffer[] = [base];
  let pos = base.length;
  const offsets = new Map<number, number>();
  const sep = base[base.length - 1] === 0x0a ? '' : '\n';
  const write = (s: string) => {
    const b = Buffer.from(s, 'latin1');
    parts.push(b);
    pos += b.length;
  };
  write(sep);
  for (const o of objects) {
    offsets.set(o.num, pos);
    write(`${o.num} 0 obj\n${o.body}\nendobj\n`);
  }
  if (opts.noXref) return Buffer.concat(parts);
  const xrefAt = pos;
  let t = 'xref\n';
  for (const [num, off] of [...offsets].sort((a, b) => a[0] - b[0]))
    t += `${num} 1\n${String(opts.brokenXref ? off + 7777 : off).padStart(10, '0')} 00000 n\r\n`;
  const size = Math.max(opts.size, ...[...offsets.keys()].map((n) => n + 1));
  write(`${t}trailer\n<</Size ${size}/Root ${opts.root} 0 R/Prev ${opts.prev}>>\nstartxref\n`);
  write(`${opts.brokenXref ? xrefAt + 5000 : xrefAt}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/** A form with a parent field whose two text children sit in one object stream, with the xref stream it needs. */
export function formInObjectStream(): HandSpec {
  return {
    objects: basicObjects('/AcroForm 5 0 R'),
    objStms: [
      {
        num: 9,
        members: [
          { num: 5, body: '<</Fields[6 0 R]>>' },
          { num: 6, body: '<</T(parent)/FT/Tx/Kids[7 0 R 8 0 R]>>' },
          { num: 7, body: '<</T(a)/Parent 6 0 R/Subtype/Widget/Rect[0 0 10 10]>>' },
          { num: 8, body: '<</T(b)/Parent 6 0 R/Subtype/Widget/Rect[0 0 10 10]>>' },
        ],
      },
    ],
    root: 1,
  };
}

let scratch: string | undefined;
let fileNo = 0;

/** Writes `bytes` to a scratch file and returns its path (for the external tools). */
export function scratchFile(bytes: Uint8Array): string {
  scratch ??= tempDir('lienthong-structure-');
  const file = join(scratch, `f${fileNo++}.pdf`);
  writeFileSync(file, bytes);
  return file;
}

/** Runs `qpdf --check`: 0 is clean, 3 is "read with warnings" (recovered), 2 is unreadable. */
export function qpdfCheck(bytes: Uint8Array): { status: number | null; out: string } {
  const r = tool('qpdf', ['--check', scratchFile(bytes)]);
  return { status: r.status, out: r.stdout + r.stderr };
}
