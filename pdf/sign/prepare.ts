import { copyFile, open } from 'node:fs/promises';
import type * as BuildAppearance from '../appearance/build-appearance';
import type * as Font from '../appearance/font';
import { formatPdfDate, formatVietnamTime } from '../appearance/time-format';
import { PdfReader, encodeTextString } from '../core/document';
import { PdfError } from '../core/errors';
import { PdfDict, PdfName, PdfRef, PdfString, type PdfValue, isDict, nameOf } from '../core/objects';
import { serialize } from '../core/serialize';
import { type ByteSource, ConcatSource, bufferSource, digestRanges, openSource } from '../core/source';
import { type CertificateInfo, parseCertificate } from '../cms/certificate';
import {
  type SignatureScheme,
  buildSignedAttributes,
  buildSignedData,
  keyAlgorithmOf,
  maxSignatureLength,
} from '../cms/signed-data';
import type { AppearanceOptions, Rect, SignatureOptions } from './options';
import { signatureFieldLock, signatureReferences } from './mdp';
import { SectionWriter } from './section-writer';
import type { PreparedSignatureState } from '../../schemas/signing';
import { createHash } from 'node:crypto';

// Serialisable state between {@link prepareSignature} and `completeSignature`; defined in schemas/ so the document
// workflow can carry it without importing pdf/.
export type { PreparedSignatureState };

// Appearance modules load pdf-lib and fontkit (~0.3 s): required on first use, so invisible signatures never pay.
// (require, not import(): see GROUPS in cli/main.ts.)
/* eslint-disable @typescript-eslint/no-require-imports */
const loadAppearance = () => require('../appearance/build-appearance') as typeof BuildAppearance;
const loadFont = () => require('../appearance/font') as typeof Font;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Result of preparing a signature. */
export interface PreparedSignature {
  state: PreparedSignatureState;
  /** Bytes to sign: DER of the signed attributes. */
  toBeSigned: Uint8Array;
  /** Digest of `toBeSigned` with the state's hash, for signers that sign a pre-computed digest. */
  toBeSignedDigest: Uint8Array;
  /** The prepared document (original bytes + incremental update with empty /Contents), in buffer mode. */
  prepared?: Uint8Array;
}

export interface PrepareOptions extends SignatureOptions {
  /** DER certificates: signer first, then issuers (root optional). */
  certificateChain: Uint8Array[];
}

const DEFAULT_MARGIN = 512;
const PERSONAL_SIZE = { width: 220, height: 110 };

function textString(s: string): PdfString {
  return new PdfString(encodeTextString(s), true);
}

async function inherited(reader: PdfReader, node: PdfDict, key: string): Promise<PdfValue | undefined> {
  let cur: PdfDict | undefined = node;
  for (let i = 0; cur && i < 64; i++) {
    const v = cur.get(key);
    if (v !== undefined) return reader.resolve(v);
    cur = await reader.resolveDict(cur.get('Parent'));
  }
  return undefined;
}

function rectOf(v: PdfValue | undefined): [number, number, number, number] | undefined {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number')) return undefined;
  const [a, b, c, d] = v as number[];
  return [Math.min(a!, c!), Math.min(b!, d!), Math.max(a!, c!), Math.max(b!, d!)];
}

/** Rectangle of the newest signed signature widget on the page, if any (to place the organisation seal on it). */
async function lastSignatureWidget(
  reader: PdfReader,
  page: PdfDict,
): Promise<[number, number, number, number] | undefined> {
  const annots = await reader.resolve(page.get('Annots'));
  let found: [number, number, number, number] | undefined;
  if (!Array.isArray(annots)) return undefined;
  for (const a of annots) {
    const d = await reader.resolveDict(a);
    if (!d || nameOf(d.get('Subtype')) !== 'Widget') continue;
    const parent = await reader.resolveDict(d.get('Parent'));
    const ft = nameOf(d.get('FT')) ?? nameOf(parent?.get('FT'));
    const r = rectOf(d.get('Rect'));
    if (ft === 'Sig' && (d.has('V') || parent?.has('V')) && r && r[2] - r[0] > 1) found = r;
  }
  return found;
}

async function defaultRect(
  reader: PdfReader,
  page: PdfDict,
  ap: AppearanceOptions,
  media: [number, number, number, number],
): Promise<Rect> {
  const [mx, my, mx2, my2] = media;
  const pw = mx2 - mx;
  if (ap.kind === 'none') return [0, 0, 0, 0];
  if (ap.kind === 'text') {
    const lines = Math.max(1, ap.lines?.length ?? 2);
    const h = lines * 12 + 4;
    return [mx2 - 28 - 220, my2 - 20 - h, 220, h];
  }
  const personal: Rect = [
    mx + pw - 56 - PERSONAL_SIZE.width,
    my + 90,
    PERSONAL_SIZE.width,
    PERSONAL_SIZE.height,
  ];
  if (ap.kind === 'personal') return personal;
  const seal = ap.sealSize ?? 96;
  const textW = 120;
  const prev = await lastSignatureWidget(reader, page);
  const r = prev ? [prev[0], prev[1], prev[2] - prev[0], prev[3] - prev[1]] : personal;
  const { personalImageBand } = loadAppearance();
  const band = personalImageBand(r[2]!, r[3]!);
  // Decree 30/2020 Appendix I: the seal overlaps about the left third of the leader's signature image.
  const sealRight = r[0]! + band.x + band.width / 3;
  const cy = r[1]! + band.y + band.height / 2;
  const x = Math.max(mx + 4, sealRight - seal - textW - 4);
  return [x, cy - seal / 2, sealRight - x, seal];
}

function checkRect(r: Rect): void {
  if (r.length !== 4 || !r.every((n) => Number.isFinite(n)) || r[2] < 0 || r[3] < 0)
    throw new PdfError('INVALID_OPTION', `bad rectangle ${JSON.stringify(r)}`);
}

async function uniqueFieldName(reader: PdfReader, wanted: string | undefined): Promise<string> {
  const names = new Set((await reader.fields()).map((f) => f.name));
  if (wanted) {
    if (names.has(wanted)) throw new PdfError('INVALID_OPTION', `field ${wanted} already exists`);
    return wanted;
  }
  for (let i = 1; ; i++) if (!names.has(`Signature${i}`)) return `Signature${i}`;
}

/** Layout facts of the prepared section. */
interface Section {
  bytes: Buffer;
  /** Absolute offsets of `<` and after `>` of /Contents. */
  contentsStart: number;
  contentsEnd: number;
  /** Offset within the section of the ByteRange placeholder `[...]`, and its width. */
  byteRangeAt: number;
  byteRangeWidth: number;
}

const BYTE_RANGE_WIDTH = 36;

async function buildSection(
  src: ByteSource,
  reader: PdfReader,
  opts: SignatureOptions,
  signer: CertificateInfo,
  capacity: number,
): Promise<Section> {
  const ap: AppearanceOptions = opts.appearance ?? { kind: 'none' };
  const pages = await reader.pageRefs();
  if (pages.length === 0) throw new PdfError('MALFORMED_PDF', 'document has no pages');
  const pageNo = ap.page ?? (ap.kind === 'text' ? 1 : pages.length);
  const pageRef = pages[pageNo - 1];
  if (!Number.isInteger(pageNo) || !pageRef)
    throw new PdfError('PAGE_NOT_FOUND', `page ${pageNo} does not exist`);
  const pageDict = (await reader.resolveDict(pageRef))!.clone();
  const media = rectOf(await inherited(reader, pageDict, 'CropBox')) ??
    rectOf(await inherited(reader, pageDict, 'MediaBox')) ?? [0, 0, 595.28, 841.89];
  const rect = ap.rect ?? (await defaultRect(reader, pageDict, ap, media));
  checkRect(rect);

  const catalogRef = reader.trailer.get('Root');
  if (!(catalogRef instanceof PdfRef))
    throw new PdfError('MALFORMED_PDF', 'trailer /Root is not a reference');
  const catalog = (await reader.catalog()).clone();
  const fieldName = await uniqueFieldName(reader, opts.fieldName);

  const tail = await src.read(src.size - 1, 1);
  const w = new SectionWriter(src.size, tail[0] === 0x0a || tail[0] === 0x0d);
  let next = reader.size;
  const sigNum = next++;
  const widgetNum = next++;
  let acroFormNum: number | undefined;
  const existingForm = catalog.get('AcroForm');
  if (existingForm === undefined || !(existingForm instanceof PdfRef || isDict(existingForm)))
    acroFormNum = next++;

  let appearanceNum: number | undefined;
  if (ap.kind !== 'none' && rect[2] > 0 && rect[3] > 0) {
    const agency = signer.subjectAttrs.O ?? signer.subjectAttrs.CN ?? '';
    const timeText = formatVietnamTime(opts.signingTime);
    const name = ap.name ?? (ap.kind === 'personal' ? (signer.subjectAttrs.CN ?? '') : agency);
    const lines = ap.lines ?? [ap.documentNumber ?? name, timeText].filter((s) => s.length > 0);
    const text = [ap.title ?? '', name, timeText, ...lines].join(' ');
    // Loaded only for visible signatures: pdf-lib and fontkit take longer to load than an invisible signature
    // of a large file takes to make.
    const { buildAppearance } = loadAppearance();
    const { loadAppearanceFont } = loadFont();
    const font = await loadAppearanceFont({ ...ap, text });
    const built = await buildAppearance(
      {
        kind: ap.kind,
        width: rect[2],
        height: rect[3],
        font,
        image: ap.image,
        title: ap.title,
        name,
        lines,
        timeText,
      },
      next,
    );
    for (const o of built.objects) w.object(o.num, o.gen, o.bytes);
    appearanceNum = built.appearanceNum;
    next = built.nextNum;
  }

  // Signature dictionary (ISO 32000-1 12.8.1 Table 252; ETSI EN 319 142-1 5.3, 5.4).
  const sigDictAt = w.offset;
  let sig = `<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M${serialize(
    new PdfString(Buffer.from(formatPdfDate(opts.signingTime), 'latin1'), false),
  )}`;
  if (opts.reason) sig += `/Reason${serialize(textString(opts.reason))}`;
  if (opts.location) sig += `/Location${serialize(textString(opts.location))}`;
  if (opts.contactInfo) sig += `/ContactInfo${serialize(textString(opts.contactInfo))}`;
  const references = signatureReferences(opts.certify, opts.lock);
  if (references) sig += `/Reference${serialize(references)}`;
  sig += '/Prop_Build<</App<</Name/lienthong>>>>/ByteRange';
  const headerLen = `${sigNum} 0 obj\n`.length;
  const byteRangeAt = sigDictAt - w.base + headerLen + sig.length;
  sig += `[${' '.repeat(BYTE_RANGE_WIDTH - 2)}]/Contents`;
  const contentsStart = sigDictAt + headerLen + sig.length;
  sig += `<${'0'.repeat(capacity)}>>>`;
  const contentsEnd = contentsStart + capacity + 2;
  w.object(sigNum, 0, sig);

  // Signature field merged with its widget annotation (12.7.4.5, 12.5.6.19).
  const widget = new PdfDict([
    ['Type', new PdfName('Annot')],
    ['Subtype', new PdfName('Widget')],
    ['FT', new PdfName('Sig')],
    ['T', textString(fieldName)],
    ['V', new PdfRef(sigNum, 0)],
    ['F', 132],
    ['Rect', [rect[0], rect[1], rect[0] + rect[2], rect[1] + rect[3]]],
    ['P', pageRef],
  ]);
  if (appearanceNum !== undefined) widget.set('AP', new PdfDict([['N', new PdfRef(appearanceNum, 0)]]));
  if (opts.lock) widget.set('Lock', signatureFieldLock(opts.lock));
  w.object(widgetNum, 0, widget);
  const widgetRef = new PdfRef(widgetNum, 0);

  // Page /Annots: update the indirect array, or the page itself.
  const annots = pageDict.get('Annots');
  if (annots instanceof PdfRef) {
    const arr = await reader.resolve(annots);
    w.object(annots.num, annots.gen, [...(Array.isArray(arr) ? arr : []), widgetRef]);
  } else {
    pageDict.set('Annots', [...(Array.isArray(annots) ? annots : []), widgetRef]);
    w.object(pageRef.num, pageRef.gen, pageDict);
  }

  // Interactive form (12.7.2): add the field, set SigFlags SignaturesExist | AppendOnly.
  const addField = async (form: PdfDict): Promise<PdfDict> => {
    const f = form.clone();
    const fields = f.get('Fields');
    if (fields instanceof PdfRef) {
      const arr = await reader.resolve(fields);
      w.object(fields.num, fields.gen, [...(Array.isArray(arr) ? arr : []), widgetRef]);
    } else f.set('Fields', [...(Array.isArray(fields) ? fields : []), widgetRef]);
    f.set('SigFlags', 3);
    return f;
  };
  // Certification (12.8.2.2): the catalog's /Perms /DocMDP names this signature dictionary.
  if (opts.certify !== undefined) {
    if ((await reader.resolveDict(catalog.get('Perms')))?.has('DocMDP'))
      throw new PdfError('INVALID_OPTION', 'the document already has a certification signature');
    catalog.set('Perms', new PdfDict([['DocMDP', new PdfRef(sigNum, 0)]]));
  }
  let catalogChanged = opts.certify !== undefined;
  if (existingForm instanceof PdfRef) {
    const form = await reader.resolveDict(existingForm);
    w.object(existingForm.num, existingForm.gen, await addField(form ?? new PdfDict()));
  } else if (isDict(existingForm)) {
    catalog.set('AcroForm', await addField(existingForm));
    catalogChanged = true;
  } else {
    w.object(acroFormNum!, 0, await addField(new PdfDict()));
    catalog.set('AcroForm', new PdfRef(acroFormNum!, 0));
    catalogChanged = true;
  }
  if (catalogChanged) w.object(catalogRef.num, catalogRef.gen, catalog);

  const prevKind = reader.sections[0]!.kind;
  const xrefNum = prevKind === 'stream' ? next++ : undefined;
  const trailer = SectionWriter.trailerEntries(reader.trailer, next, reader.startXref, catalogRef);
  const bytes = xrefNum === undefined ? w.finishWithTable(trailer) : w.finishWithStream(trailer, xrefNum);
  return { bytes, contentsStart, contentsEnd, byteRangeAt, byteRangeWidth: BYTE_RANGE_WIDTH };
}

/** Validates the chain and derives the signature scheme. */
export function schemeFor(
  signer: CertificateInfo,
  opts: Pick<SignatureOptions, 'hash' | 'rsaScheme'>,
): SignatureScheme {
  const keyAlgorithm = keyAlgorithmOf(signer);
  if (!keyAlgorithm) throw new PdfError('INVALID_OPTION', 'signer key must be RSA or ECDSA');
  const hash = opts.hash ?? 'SHA-256';
  if (hash !== 'SHA-256' && hash !== 'SHA-384')
    throw new PdfError('INVALID_OPTION', `unsupported hash ${String(hash)}`);
  return { keyAlgorithm, hash, ...(keyAlgorithm === 'RSA' ? { rsaScheme: opts.rsaScheme ?? 'pkcs1' } : {}) };
}

export function parseSignerCertificate(chain: Uint8Array[]): CertificateInfo {
  if (!chain[0]) throw new PdfError('INVALID_OPTION', 'certificate chain is empty');
  try {
    return parseCertificate(chain[0]);
  } catch (err) {
    throw new PdfError('INVALID_OPTION', `signer certificate is not readable: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Hex capacity for /Contents: a dry-run CMS with the largest signature value plus the margin (RFC 5652 5.1). */
function contentsCapacity(
  signer: CertificateInfo,
  chain: Uint8Array[],
  scheme: SignatureScheme,
  margin: number,
): number {
  const digestLen = scheme.hash === 'SHA-384' ? 48 : 32;
  const attrs = buildSignedAttributes(new Uint8Array(digestLen), signer);
  const cms = buildSignedData({
    signedAttributes: attrs,
    signature: new Uint8Array(maxSignatureLength(signer)),
    scheme,
    signer,
    certificates: chain,
  });
  if (!(margin >= 0 && margin <= 1 << 20))
    throw new PdfError('INVALID_OPTION', 'contentsMargin out of range');
  return 2 * (cms.length + margin);
}

function fillByteRange(section: Buffer, s: Section, br: [number, number, number, number]): void {
  const text = `[${br.join(' ')}`;
  if (text.length > s.byteRangeWidth - 1)
    throw new PdfError('LIMIT_EXCEEDED', 'file too large for ByteRange');
  section.write(text.padEnd(s.byteRangeWidth - 1, ' ') + ']', s.byteRangeAt, 'latin1');
}

/**
 * Phase one of signing (ISO 32000-1 12.8.1; ETSI EN 319 142-1 PAdES B-B): appends an incremental update holding
 * the signature field, its appearance and a signature dictionary with an empty /Contents sized from a dry-run CMS,
 * computes the ByteRange digest by streaming and returns the DER signed attributes to sign.
 * With `input` a path, the prepared file is written to `preparedPath` (streaming copy plus append); with a buffer,
 * it is returned in `prepared`. Existing bytes are never rewritten, so earlier signatures stay valid.
 * Throws PdfError: MALFORMED_PDF, XREF_BROKEN, ENCRYPTED_PDF, PAGE_NOT_FOUND, INVALID_OPTION, FONT_UNAVAILABLE.
 */
export async function prepareSignature(
  input: string | Uint8Array,
  options: PrepareOptions,
  preparedPath?: string,
): Promise<PreparedSignature> {
  if (!(options.signingTime instanceof Date) || Number.isNaN(options.signingTime.getTime()))
    throw new PdfError('INVALID_OPTION', 'signingTime must be a valid Date');
  if (typeof input === 'string' && !preparedPath)
    throw new PdfError('INVALID_OPTION', 'preparedPath is required when the input is a file');
  const chain = options.certificateChain;
  const signer = parseSignerCertificate(chain);
  const scheme = schemeFor(signer, options);
  const capacity = contentsCapacity(signer, chain, scheme, options.contentsMargin ?? DEFAULT_MARGIN);
  const src = await openSource(input);
  let section: Section;
  try {
    const reader = await PdfReader.open(src);
    // An update to an encrypted file must encrypt its own objects; the signer does not write encrypted PDF.
    if (reader.encrypted) throw new PdfError('ENCRYPTED_PDF', 'signing encrypted documents is not supported');
    section = await buildSection(src, reader, options, signer, capacity);
  } finally {
    await src.close();
  }
  const total = src.size + section.bytes.length;
  const byteRange: [number, number, number, number] = [
    0,
    section.contentsStart,
    section.contentsEnd,
    total - section.contentsEnd,
  ];
  fillByteRange(section.bytes, section, byteRange);

  let prepared: Uint8Array | undefined;
  let digest: Uint8Array;
  const ranges: [number, number][] = [
    [0, byteRange[1]],
    [byteRange[2], byteRange[3]],
  ];
  if (typeof input === 'string') {
    try {
      await copyFile(input, preparedPath!);
      const fh = await open(preparedPath!, 'a');
      await fh.write(section.bytes);
      await fh.close();
    } catch (err) {
      throw new PdfError('IO_ERROR', `cannot write ${preparedPath}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const out = await openSource(preparedPath!);
    try {
      digest = await digestRanges(out, ranges, scheme.hash);
    } finally {
      await out.close();
    }
  } else {
    digest = await digestRanges(
      new ConcatSource(bufferSource(input), bufferSource(section.bytes)),
      ranges,
      scheme.hash,
    );
    prepared = Buffer.concat([input, section.bytes]);
  }
  const signedAttributes = buildSignedAttributes(digest, signer);
  const state: PreparedSignatureState = {
    version: 1,
    byteRange,
    preparedSize: total,
    contentsCapacity: capacity,
    scheme,
    messageDigest: Buffer.from(digest).toString('base64'),
    signedAttributes: signedAttributes.toString('base64'),
    certificateChain: chain.map((c) => Buffer.from(c).toString('base64')),
  };
  const toBeSignedDigest = createHash(scheme.hash === 'SHA-384' ? 'sha384' : 'sha256')
    .update(signedAttributes)
    .digest();
  return { state, toBeSigned: signedAttributes, toBeSignedDigest, prepared };
}
