import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { PdfReader } from '../../../../pdf/core/document';
import { PdfDict, PdfName, PdfRef } from '../../../../pdf/core/objects';
import { bufferSource } from '../../../../pdf/core/source';
import { SectionWriter } from '../../../../pdf/sign/section-writer';
import { tool } from './tools';

/** A small two-page document made with pdf-lib (A4, Helvetica text). */
export async function makePdf(opts: { objectStreams?: boolean; pages?: number } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle('Quyết định');
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < (opts.pages ?? 2); i++) {
    const page = doc.addPage([595.28, 841.89]);
    page.drawText(`Page ${i + 1}: decision text`, { x: 72, y: 760, size: 14, font });
  }
  return doc.save({ useObjectStreams: opts.objectStreams ?? false });
}

/**
 * Appends an unsigned incremental update (ISO 32000-1 7.5.6) that replaces the /Info dictionary, or, with
 * `changeContent`, the first page's content stream: the latter is a forbidden change after a signature.
 */
export async function appendUpdate(
  bytes: Uint8Array,
  opts: { changeContent?: boolean } = {},
): Promise<Uint8Array> {
  const r = await PdfReader.open(bufferSource(bytes));
  const w = new SectionWriter(bytes.length, bytes[bytes.length - 1] === 0x0a);
  let next = r.size;
  const root = r.trailer.get('Root') as PdfRef;
  let info: PdfRef | undefined;
  if (opts.changeContent) {
    const pageRef = (await r.pageRefs())[0]!;
    const page = (await r.resolveDict(pageRef))!.clone();
    const content = 'BT /F1 24 Tf 72 500 Td (Inserted after signing) Tj ET';
    const num = next++;
    w.object(num, 0, `<</Length ${content.length}>>\nstream\n${content}\nendstream`);
    page.set('Contents', new PdfRef(num, 0));
    w.object(pageRef.num, pageRef.gen, page);
  } else {
    // Rewrite the existing /Info dictionary in place (same object number), or add one.
    const old = r.trailer.get('Info');
    const dict = ((old instanceof PdfRef ? await r.resolveDict(old) : undefined) ?? new PdfDict()).clone();
    dict.set('Title', new PdfName('Updated'));
    if (old instanceof PdfRef) w.object(old.num, old.gen, dict);
    else {
      info = new PdfRef(next++, 0);
      w.object(info.num, 0, dict);
    }
  }
  const xrefNum = r.sections[0]!.kind === 'stream' ? next++ : undefined;
  const trailer = SectionWriter.trailerEntries(r.trailer, next, r.startXref, root);
  if (info) trailer.set('Info', info);
  const section = xrefNum === undefined ? w.finishWithTable(trailer) : w.finishWithStream(trailer, xrefNum);
  return Buffer.concat([bytes, section]);
}

export type Variant = { name: string; make: (dir: string) => Promise<Uint8Array> };

function viaTool(name: string, cmd: string, args: (i: string, o: string) => string[]): Variant {
  return {
    name,
    make: async (dir) => {
      const i = join(dir, `${name}-in.pdf`);
      const o = join(dir, `${name}-out.pdf`);
      writeFileSync(i, await makePdf());
      const r = tool(cmd, args(i, o));
      if (r.status !== 0 && r.status !== 3) throw new Error(`${cmd} failed: ${r.stderr}`);
      return readFileSync(o);
    },
  };
}

/** Documents from several writers: classic xref, xref streams with object streams, linearized, updated, Ghostscript. */
export const VARIANTS: Variant[] = [
  { name: 'pdf-lib', make: () => makePdf() },
  { name: 'pdf-lib-objstm', make: () => makePdf({ objectStreams: true }) },
  viaTool('qpdf-objstm', 'qpdf', (i, o) => ['--object-streams=generate', i, o]),
  viaTool('qpdf-linearized', 'qpdf', (i, o) => ['--linearize', i, o]),
  { name: 'incremental', make: async () => appendUpdate(await makePdf()) },
  { name: 'incremental-objstm', make: async () => appendUpdate(await makePdf({ objectStreams: true })) },
  viaTool('gs-1.4', 'gs', (i, o) => [
    '-q',
    '-dNOPAUSE',
    '-dBATCH',
    '-sDEVICE=pdfwrite',
    '-dCompatibilityLevel=1.4',
    `-sOutputFile=${o}`,
    i,
  ]),
  viaTool('gs-2.0', 'gs', (i, o) => [
    '-q',
    '-dNOPAUSE',
    '-dBATCH',
    '-sDEVICE=pdfwrite',
    '-dCompatibilityLevel=2.0',
    `-sOutputFile=${o}`,
    i,
  ]),
];
