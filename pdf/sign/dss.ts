import { createHash } from 'node:crypto';
import { copyFile, open, rename, unlink } from 'node:fs/promises';
import { PdfReader } from '../core/document';
import { PdfError } from '../core/errors';
import { PdfDict, PdfName, PdfRef, PdfString, type PdfValue } from '../core/objects';
import { type ByteSource, bufferSource, openSource } from '../core/source';
import { SectionWriter } from './section-writer';

/** Validation material for one signature or time-stamp, keyed for /VRI (ETSI EN 319 142-1 5.4.2.2). */
export interface VriEntry {
  /** Upper-case hex SHA-1 of the signature's /Contents bytes. */
  key: string;
  certs: Uint8Array[];
  crls: Uint8Array[];
}

/** What `appendDss` embeds: every certificate and CRL, and which of them each signature relies on. */
export interface ValidationMaterial {
  certs: Uint8Array[];
  crls: Uint8Array[];
  vri: VriEntry[];
  /** /TU of each VRI entry: when the material was gathered. */
  gatheredAt?: Date;
}

/** The /VRI key of a signature (ETSI EN 319 142-1 5.4.2.2): SHA-1 of its /Contents, upper-case hex. */
export function vriKey(contents: Uint8Array): string {
  return createHash('sha1').update(contents).digest('hex').toUpperCase();
}

const digestOf = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A PDF date string in UTC (ISO 32000-1 7.9.4). */
function pdfDate(d: Date): PdfString {
  const t = d.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return new PdfString(Buffer.from(`D:${t}Z`, 'latin1'), false);
}

/** Writes each distinct DER object once as an unfiltered stream; returns a reference per content hash. */
function writeStreams(w: SectionWriter, items: Uint8Array[], known: Map<string, PdfRef>, next: () => number) {
  for (const der of items) {
    const key = digestOf(der);
    if (known.has(key)) continue;
    const num = next();
    w.object(
      num,
      0,
      Buffer.concat([Buffer.from(`<</Length ${der.length}>>\nstream\n`), der, Buffer.from('\nendstream')]),
    );
    known.set(key, new PdfRef(num, 0));
  }
}

async function existingArray(reader: PdfReader, v: PdfValue | undefined): Promise<PdfValue[]> {
  const a = await reader.resolve(v);
  return Array.isArray(a) ? a : [];
}

async function buildSection(src: ByteSource, m: ValidationMaterial): Promise<Buffer> {
  const reader = await PdfReader.open(src);
  if (reader.encrypted) throw new PdfError('ENCRYPTED_PDF', 'extending encrypted documents is not supported');
  const catalogRef = reader.trailer.get('Root');
  if (!(catalogRef instanceof PdfRef))
    throw new PdfError('MALFORMED_PDF', 'trailer /Root is not a reference');
  const catalog = (await reader.catalog()).clone();
  const old = await reader.resolveDict(catalog.get('DSS'));
  const tail = await src.read(src.size - 1, 1);
  const w = new SectionWriter(src.size, tail[0] === 0x0a || tail[0] === 0x0d);
  let n = reader.size;
  const next = () => n++;
  const certRefs = new Map<string, PdfRef>();
  const crlRefs = new Map<string, PdfRef>();
  writeStreams(w, m.certs, certRefs, next);
  writeStreams(w, m.crls, crlRefs, next);
  const refsOf = (items: Uint8Array[], known: Map<string, PdfRef>) =>
    [...new Set(items.map(digestOf))].map((k) => known.get(k)!);

  const vri = (await reader.resolveDict(old?.get('VRI')))?.clone() ?? new PdfDict();
  for (const e of m.vri) {
    const entry = new PdfDict([
      ['Cert', refsOf(e.certs, certRefs)],
      ['CRL', refsOf(e.crls, crlRefs)],
    ]);
    if (m.gatheredAt) entry.set('TU', pdfDate(m.gatheredAt));
    // An earlier VRI entry is never changed (ETSI EN 319 142-1 5.4.2.2; the change analysis refuses it).
    if (!vri.has(e.key)) vri.set(e.key, entry);
  }
  const vriNum = next();
  w.object(vriNum, 0, vri);
  const dss = new PdfDict([
    ['Type', new PdfName('DSS')],
    ['Certs', [...(await existingArray(reader, old?.get('Certs'))), ...certRefs.values()]],
    ['CRLs', [...(await existingArray(reader, old?.get('CRLs'))), ...crlRefs.values()]],
    ['VRI', new PdfRef(vriNum, 0)],
  ]);
  const ocsps = old?.get('OCSPs');
  if (ocsps !== undefined) dss.set('OCSPs', ocsps);
  const dssRef = catalog.get('DSS');
  if (dssRef instanceof PdfRef) w.object(dssRef.num, dssRef.gen, dss);
  else {
    const num = next();
    w.object(num, 0, dss);
    catalog.set('DSS', new PdfRef(num, 0));
    w.object(catalogRef.num, catalogRef.gen, catalog);
  }
  const xrefNum = reader.sections[0]!.kind === 'stream' ? next() : undefined;
  const trailer = SectionWriter.trailerEntries(reader.trailer, n, reader.startXref, catalogRef);
  return xrefNum === undefined ? w.finishWithTable(trailer) : w.finishWithStream(trailer, xrefNum);
}

/**
 * Appends a Document Security Store (ETSI EN 319 142-1 5.4.2; ISO 32000-2 12.8.4.3) in an incremental update:
 * /Certs and /CRLs streams, and a /VRI entry per signature naming what it relies on, merged with an existing /DSS.
 * With it a signature verifies offline from the trust anchors alone (PAdES B-LT). Earlier bytes are not rewritten,
 * and a /DSS update is an allowed change, so earlier signatures stay valid.
 */
export async function appendDss(input: Uint8Array, material: ValidationMaterial): Promise<Uint8Array> {
  return Buffer.concat([input, await buildSection(bufferSource(input), material)]);
}

/** File variant of {@link appendDss}; `outputPath` must differ from `inputPath`. */
export async function appendDssFile(
  inputPath: string,
  outputPath: string,
  material: ValidationMaterial,
): Promise<void> {
  if (inputPath === outputPath) throw new PdfError('INVALID_OPTION', 'output must differ from input');
  const src = await openSource(inputPath);
  let section: Buffer;
  try {
    section = await buildSection(src, material);
  } finally {
    await src.close();
  }
  const tmp = `${outputPath}.partial`;
  try {
    await copyFile(inputPath, tmp);
    const fh = await open(tmp, 'a');
    try {
      await fh.write(section);
    } finally {
      await fh.close();
    }
    await rename(tmp, outputPath);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new PdfError('IO_ERROR', `cannot write ${outputPath}: ${(err as Error).message}`, { cause: err });
  }
}
