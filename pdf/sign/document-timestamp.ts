import { copyFile, open, rename, unlink } from 'node:fs/promises';
import { PdfReader, encodeTextString } from '../core/document';
import { PdfError } from '../core/errors';
import { PdfDict, PdfName, PdfRef, PdfString, isDict } from '../core/objects';
import {
  type ByteSource,
  ConcatSource,
  type DigestAlgorithm,
  bufferSource,
  digestRanges,
  openSource,
} from '../core/source';
import { SectionWriter } from './section-writer';
import type { TimestampTokenSource } from './signature-timestamp';

export interface DocumentTimestampOptions {
  /** Where the token comes from (the province TSA or an external one). */
  source: TimestampTokenSource;
  /** Imprint hash; default SHA-256. */
  hash?: DigestAlgorithm;
  /** Partial field name; default `DocumentTimestamp<n>`. */
  fieldName?: string;
  /** Bytes reserved for the token in /Contents; default 8192 (ours is about 3 KB with its two certificates). */
  reserve?: number;
}

const BYTE_RANGE_WIDTH = 36;

async function uniqueName(reader: PdfReader, wanted: string | undefined): Promise<string> {
  const names = new Set((await reader.fields()).map((f) => f.name));
  if (wanted) {
    if (names.has(wanted)) throw new PdfError('INVALID_OPTION', `field ${wanted} already exists`);
    return wanted;
  }
  for (let i = 1; ; i++) if (!names.has(`DocumentTimestamp${i}`)) return `DocumentTimestamp${i}`;
}

/**
 * Adds an invisible signature field whose value is the dictionary numbered `sigNum` (12.7.4.5): a widget on page 1,
 * appended to the page's /Annots and the form's /Fields; the catalog is rewritten only when its /AcroForm is direct
 * or missing. Same layout as a signature field made by `prepareSignature`.
 */
async function addInvisibleField(
  w: SectionWriter,
  reader: PdfReader,
  name: string,
  sigNum: number,
  next: number,
) {
  const pageRef = (await reader.pageRefs())[0];
  if (!pageRef) throw new PdfError('MALFORMED_PDF', 'document has no pages');
  const catalogRef = reader.trailer.get('Root');
  if (!(catalogRef instanceof PdfRef))
    throw new PdfError('MALFORMED_PDF', 'trailer /Root is not a reference');
  const catalog = (await reader.catalog()).clone();
  const widgetRef = new PdfRef(next++, 0);
  w.object(
    widgetRef.num,
    0,
    new PdfDict([
      ['Type', new PdfName('Annot')],
      ['Subtype', new PdfName('Widget')],
      ['FT', new PdfName('Sig')],
      ['T', new PdfString(encodeTextString(name), true)],
      ['V', new PdfRef(sigNum, 0)],
      ['F', 132],
      ['Rect', [0, 0, 0, 0]],
      ['P', pageRef],
    ]),
  );
  const page = (await reader.resolveDict(pageRef))!.clone();
  const annots = page.get('Annots');
  if (annots instanceof PdfRef) {
    const arr = await reader.resolve(annots);
    w.object(annots.num, annots.gen, [...(Array.isArray(arr) ? arr : []), widgetRef]);
  } else {
    page.set('Annots', [...(Array.isArray(annots) ? annots : []), widgetRef]);
    w.object(pageRef.num, pageRef.gen, page);
  }
  const form = catalog.get('AcroForm');
  const withField = async (f: PdfDict) => {
    const out = f.clone();
    const fields = out.get('Fields');
    if (fields instanceof PdfRef) {
      const arr = await reader.resolve(fields);
      w.object(fields.num, fields.gen, [...(Array.isArray(arr) ? arr : []), widgetRef]);
    } else out.set('Fields', [...(Array.isArray(fields) ? fields : []), widgetRef]);
    out.set('SigFlags', 3);
    return out;
  };
  if (form instanceof PdfRef) {
    w.object(form.num, form.gen, await withField((await reader.resolveDict(form)) ?? new PdfDict()));
  } else {
    const formNum = next++;
    w.object(formNum, 0, await withField(isDict(form) ? form : new PdfDict()));
    catalog.set('AcroForm', new PdfRef(formNum, 0));
    w.object(catalogRef.num, catalogRef.gen, catalog);
  }
  return { next, catalogRef };
}

interface TimestampSection {
  bytes: Buffer;
  byteRange: [number, number, number, number];
  capacity: number;
}

async function buildSection(src: ByteSource, opts: DocumentTimestampOptions): Promise<TimestampSection> {
  const reader = await PdfReader.open(src);
  if (reader.encrypted)
    throw new PdfError('ENCRYPTED_PDF', 'time-stamping encrypted documents is not supported');
  const tail = await src.read(src.size - 1, 1);
  const w = new SectionWriter(src.size, tail[0] === 0x0a || tail[0] === 0x0d);
  const capacity = 2 * (opts.reserve ?? 8192);
  const sigNum = reader.size;
  // Document time-stamp dictionary (ISO 32000-2 12.8.5 Table 260; ETSI EN 319 142-1 5.4.3): no /M, no signer.
  const head = `${sigNum} 0 obj\n`;
  const dict = `<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange`;
  const byteRangeAt = w.offset - src.size + head.length + dict.length;
  const contentsStart = w.offset + head.length + dict.length + BYTE_RANGE_WIDTH + '/Contents'.length;
  w.object(sigNum, 0, `${dict}[${' '.repeat(BYTE_RANGE_WIDTH - 2)}]/Contents<${'0'.repeat(capacity)}>>>`);
  const name = await uniqueName(reader, opts.fieldName);
  const { next, catalogRef } = await addInvisibleField(w, reader, name, sigNum, sigNum + 1);
  const xrefNum = reader.sections[0]!.kind === 'stream' ? next : undefined;
  const trailer = SectionWriter.trailerEntries(
    reader.trailer,
    next + (xrefNum === undefined ? 0 : 1),
    reader.startXref,
    catalogRef,
  );
  const bytes = xrefNum === undefined ? w.finishWithTable(trailer) : w.finishWithStream(trailer, xrefNum);
  const contentsEnd = contentsStart + capacity + 2;
  const total = src.size + bytes.length;
  const byteRange: [number, number, number, number] = [0, contentsStart, contentsEnd, total - contentsEnd];
  const text = `[${byteRange.join(' ')}`;
  if (text.length > BYTE_RANGE_WIDTH - 1)
    throw new PdfError('LIMIT_EXCEEDED', 'file too large for ByteRange');
  bytes.write(text.padEnd(BYTE_RANGE_WIDTH - 1, ' ') + ']', byteRangeAt, 'latin1');
  return { bytes, byteRange, capacity };
}

function contentsHex(token: Uint8Array, capacity: number): Buffer {
  const hex = Buffer.from(token).toString('hex');
  if (hex.length > capacity)
    throw new PdfError(
      'CONTENTS_TOO_SMALL',
      `time-stamp token needs ${hex.length / 2} bytes, ${capacity / 2} reserved`,
    );
  return Buffer.from(hex.padEnd(capacity, '0'), 'latin1');
}

/**
 * Appends a document time-stamp (ISO 32000-2 12.8.5; ETSI EN 319 142-1 5.4, /SubFilter /ETSI.RFC3161) in an
 * incremental update: the token's imprint is the hash of the ByteRange, so it proves the whole document, with every
 * earlier signature and /DSS, existed at its genTime (PAdES B-LTA). Earlier bytes are never rewritten.
 * Throws PdfError: MALFORMED_PDF, ENCRYPTED_PDF, INVALID_OPTION, CONTENTS_TOO_SMALL, IO_ERROR.
 */
export async function addDocumentTimestamp(
  input: Uint8Array,
  opts: DocumentTimestampOptions,
): Promise<Uint8Array> {
  const s = await buildSection(bufferSource(input), opts);
  const hash = opts.hash ?? 'SHA-256';
  const whole = new ConcatSource(bufferSource(input), bufferSource(s.bytes));
  const digest = await digestRanges(
    whole,
    [
      [0, s.byteRange[1]],
      [s.byteRange[2], s.byteRange[3]],
    ],
    hash,
  );
  const hex = contentsHex(await opts.source(digest, hash), s.capacity);
  hex.copy(s.bytes, s.byteRange[1] + 1 - input.length);
  return Buffer.concat([input, s.bytes]);
}

/** File variant of {@link addDocumentTimestamp}: streams the input; `outputPath` must differ from `inputPath`. */
export async function addDocumentTimestampFile(
  inputPath: string,
  outputPath: string,
  opts: DocumentTimestampOptions,
): Promise<void> {
  if (inputPath === outputPath) throw new PdfError('INVALID_OPTION', 'output must differ from input');
  const src = await openSource(inputPath);
  let s: TimestampSection;
  let digest: Uint8Array;
  const hash = opts.hash ?? 'SHA-256';
  try {
    s = await buildSection(src, opts);
    const whole = new ConcatSource(src, bufferSource(s.bytes));
    digest = await digestRanges(
      whole,
      [
        [0, s.byteRange[1]],
        [s.byteRange[2], s.byteRange[3]],
      ],
      hash,
    );
  } finally {
    await src.close();
  }
  const hex = contentsHex(await opts.source(digest, hash), s.capacity);
  hex.copy(s.bytes, s.byteRange[1] + 1 - src.size);
  const tmp = `${outputPath}.partial`;
  try {
    await copyFile(inputPath, tmp);
    const fh = await open(tmp, 'a');
    try {
      await fh.write(s.bytes);
    } finally {
      await fh.close();
    }
    await rename(tmp, outputPath);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new PdfError('IO_ERROR', `cannot write ${outputPath}: ${(err as Error).message}`, { cause: err });
  }
}
