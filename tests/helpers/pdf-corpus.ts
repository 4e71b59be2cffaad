/**
 * The regression corpus of real signed PDFs made by other tools (tests/conformance/pdf-corpus): its manifest, and
 * the mapping of lienthong's and poppler pdfsig's answers onto the two trust-free axes the manifest records.
 *
 * ```ts
 * const corpus = loadCorpus();                                   // manifest entries, checked with zod
 * const got = await lienthongVerdict(corpusFile(corpus, entry)); // { integrity, modification } or { error }
 * const ps = await pdfsigVerdict(corpusFile(corpus, entry));     // the same axes from `pdfsig -nocert`
 * ```
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { isPdfError, verifyPdf } from '../../pdf';
import type { PdfVerificationReport, SignatureReport } from '../../pdf/verify/report';
import type { ValidationReport } from '../../pki/types';

/** Directory of the corpus (files and MANIFEST.json). */
export const CORPUS_DIR = path.resolve(__dirname, '../conformance/pdf-corpus');

/** Each signature's bytes and cryptography, trust aside (worst over the file's signatures and time-stamps). */
export const INTEGRITY = ['valid', 'invalid', 'indeterminate'] as const;
export type Integrity = (typeof INTEGRITY)[number];

/** What incremental updates after the signatures did (worst over the file's signatures). */
export const MODIFICATION = ['none', 'allowed', 'forbidden'] as const;
export type Modification = (typeof MODIFICATION)[number];

export const CorpusEntrySchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9._-]+\.pdf$/),
  source: z.object({ repository: z.string(), path: z.string(), commit: z.string().regex(/^[0-9a-f]{40}$/) }),
  licence: z.string(),
  producer: z.string(),
  /** null on an axis the reference's test does not assert (never filled in from another tool's answer). */
  expected: z
    .object({ integrity: z.enum(INTEGRITY).nullable(), modification: z.enum(MODIFICATION).nullable() })
    .refine((e) => e.integrity !== null || e.modification !== null, 'at least one axis must be asserted'),
  expectedFrom: z.string(),
  note: z.string(),
});
export type CorpusEntry = z.infer<typeof CorpusEntrySchema>;

export const CorpusManifestSchema = z.object({
  description: z.string(),
  files: z.array(CorpusEntrySchema),
});
export type CorpusManifest = z.infer<typeof CorpusManifestSchema>;

/** A verdict on the two axes, or the error that kept the tool from giving one. */
export type AxisVerdict =
  | { integrity: Integrity; modification: Modification; error?: undefined; detail: string }
  | { error: string; integrity?: undefined; modification?: undefined; detail: string };

export function loadCorpus(dir = CORPUS_DIR): CorpusManifest {
  return CorpusManifestSchema.parse(JSON.parse(readFileSync(path.join(dir, 'MANIFEST.json'), 'utf8')));
}

export const corpusFile = (entry: CorpusEntry, dir = CORPUS_DIR) => path.join(dir, entry.file);

/** Whether a verdict matches the expectation on every axis the expectation asserts. */
export function agrees(expected: CorpusEntry['expected'], got: AxisVerdict): boolean {
  if (got.error !== undefined) return false;
  return (
    (expected.integrity === null || got.integrity === expected.integrity) &&
    (expected.modification === null || got.modification === expected.modification)
  );
}

export const formatExpected = (e: CorpusEntry['expected']) =>
  `${e.integrity ?? '-'}/${e.modification ?? '-'}`;
export const formatVerdict = (v: AxisVerdict) =>
  v.error !== undefined ? `error: ${v.error}` : `${v.integrity}/${v.modification}`;

const worstIntegrity = (xs: Integrity[]): Integrity =>
  xs.includes('invalid') ? 'invalid' : xs.includes('indeterminate') ? 'indeterminate' : 'valid';
const worstModification = (xs: Modification[]): Modification =>
  xs.includes('forbidden') ? 'forbidden' : xs.includes('allowed') ? 'allowed' : 'none';

/**
 * Sub-indications that speak about the signature's bytes or structure (ETSI EN 319 102-1 Table 5): invalid with
 * TOTAL_FAILED, undecided with INDETERMINATE (FORMAT_FAILURE may accompany both).
 */
const BROKEN = new Set(['HASH_FAILURE', 'SIG_CRYPTO_FAILURE', 'FORMAT_FAILURE']);
/** Sub-indications that leave the signature's integrity undecided. */
const UNDECIDED = new Set(['CRYPTO_CONSTRAINTS_FAILURE', 'NO_SIGNING_CERTIFICATE_FOUND']);

/**
 * A time-stamp verdict as a report may carry it (document time-stamps in `timestamps`, signature time-stamps in
 * `signerInfos[].signatureTimestamps`). Read structurally so that the corpus follows the report as it grows.
 */
interface TimestampVerdict {
  fieldName?: string;
  indication?: string;
  subIndication?: string;
  imprintMatches?: boolean;
}
type ReportWithTimestamps = PdfVerificationReport & { timestamps?: TimestampVerdict[] };
type SignatureWithTimestamps = SignatureReport & {
  signerInfos?: { signatureTimestamps?: TimestampVerdict[] }[];
};

function integrityOf(indication: string | undefined, sub: string | undefined): Integrity {
  if (sub && BROKEN.has(sub)) return indication === 'INDETERMINATE' ? 'indeterminate' : 'invalid';
  if (sub && UNDECIDED.has(sub)) return 'indeterminate';
  return 'valid';
}

const timestampIntegrity = (t: TimestampVerdict): Integrity =>
  t.imprintMatches === false ? 'invalid' : integrityOf(t.indication, t.subIndication);

function signatureAxes(s: SignatureWithTimestamps): { integrity: Integrity; modification: Modification } {
  const stamps = (s.signerInfos ?? []).flatMap((i) => i.signatureTimestamps ?? []).map(timestampIntegrity);
  const integrity = worstIntegrity([integrityOf(s.indication, s.subIndication), ...stamps]);
  const forbidden =
    s.subIndication === 'MODIFIED_AFTER_SIGNING' || s.changesAfterSigning.some((c) => !c.allowed);
  const modification: Modification = forbidden ? 'forbidden' : s.coversWholeDocument ? 'none' : 'allowed';
  return { integrity, modification };
}

/**
 * Maps a lienthong report onto the corpus axes. Trust is ignored (the path validation is stubbed out by
 * {@link lienthongVerdict}). Time-stamp verdicts count towards integrity when the report carries them; a document
 * time-stamp listed without a verdict counts as indeterminate, since the reference validators verify them.
 */
export function reportAxes(report: PdfVerificationReport): AxisVerdict {
  const r = report as ReportWithTimestamps;
  const sigs = r.signatures.map(signatureAxes);
  const stamps = r.timestamps
    ? r.timestamps.map(timestampIntegrity)
    : r.documentTimestamps.map(() => 'indeterminate' as const);
  if (sigs.length === 0 && stamps.length === 0)
    return { error: 'no signature found', detail: 'no signature found' };
  const verdict = (name: string, i?: string, sub?: string) => `${name}:${i ?? '?'}${sub ? `/${sub}` : ''}`;
  const detail = r.signatures
    .map((s) => verdict(s.fieldName, s.indication, s.subIndication))
    .concat(
      r.timestamps
        ? r.timestamps.map((t) =>
            verdict(`${t.fieldName ?? 'doc-timestamp'}(doc-timestamp)`, t.indication, t.subIndication),
          )
        : r.documentTimestamps.map((t) => `${t}:doc-timestamp(not verified)`),
    )
    .join(' ');
  return {
    integrity: worstIntegrity([...sigs.map((s) => s.integrity), ...stamps]),
    modification: worstModification(sigs.map((s) => s.modification)),
    detail,
  };
}

/** Path validation that accepts every certificate: the corpus axes leave trust aside. */
const trustIgnored = async (): Promise<ValidationReport> => ({
  valid: true,
  code: 'VALID',
  message: 'trust not evaluated (PDF corpus)',
  path: [],
});

/** Fixed validation time: after every signing time in the corpus, so "signed in the future" never fires. */
export const CORPUS_VALIDATION_TIME = new Date('2035-01-01T00:00:00Z');

/**
 * Runs `verifyPdf` (the library behind `lienthong pdf verify --full`) with trust ignored and maps its report. A
 * `PdfError` (file refused as unreadable) or any other exception becomes `{ error }`.
 */
export async function lienthongVerdict(file: string): Promise<AxisVerdict> {
  try {
    const report = await verifyPdf(file, {
      anchors: [],
      at: CORPUS_VALIDATION_TIME,
      revocation: 'none',
      validatePath: trustIgnored,
    });
    return reportAxes(report);
  } catch (err) {
    const e = err as Error & { code?: string };
    const msg = isPdfError(err) ? `${e.code}: ${e.message}` : `crash ${e.name}: ${e.message}`;
    return { error: msg, detail: msg };
  }
}

const run = promisify(execFile);

/** Runs a tool and returns its output whatever its exit code (pdfsig and qpdf exit non-zero on findings). */
export async function runTool(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { maxBuffer: 16 << 20, timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/**
 * poppler's SignatureValidationStatus texts (pdfsig 22.x) mapped to the integrity axis: only a verified signature
 * is valid, a digest mismatch, an invalid value or an undecodable CMS are invalid, the rest is undecided.
 */
const PDFSIG_STATUS: [RegExp, Integrity][] = [
  [/Signature is Valid/, 'valid'],
  [/Digest Mismatch|Signature is Invalid|Document isn't signed or corrupted data/, 'invalid'],
  [/./, 'indeterminate'],
];

/**
 * Parses `pdfsig -nocert` output. pdfsig does no change analysis: a signature that does not cover the whole file
 * counts as an allowed change, so pdfsig never says "forbidden".
 */
export function parsePdfsig(out: string): AxisVerdict {
  // Unsigned signature fields are listed too ("The signature form field is not signed."): not signatures.
  const blocks = out
    .split(/^Signature #\d+:/m)
    .slice(1)
    .filter((b) => !/form field is not signed/.test(b));
  if (blocks.length === 0) {
    const line = out.trim().split('\n').pop() ?? '';
    return { error: line || 'no output', detail: line };
  }
  const integrities: Integrity[] = [];
  const modifications: Modification[] = [];
  const details: string[] = [];
  for (const b of blocks) {
    const status = /Signature Validation: (.*)/.exec(b)?.[1]?.trim() ?? 'no validation line';
    integrities.push(PDFSIG_STATUS.find(([re]) => re.test(status))![1]);
    modifications.push(/Total document signed/.test(b) ? 'none' : 'allowed');
    details.push(status.replace(/\.$/, ''));
  }
  return {
    integrity: worstIntegrity(integrities),
    modification: worstModification(modifications),
    detail: details.join('; '),
  };
}

export async function pdfsigVerdict(file: string): Promise<AxisVerdict> {
  const { out } = await runTool('pdfsig', ['-nocert', file]);
  return parsePdfsig(out);
}

/** Whether qpdf can read the file (exit 0 clean, 3 warnings; 2 is an error). */
export async function qpdfReads(file: string): Promise<boolean> {
  const { code } = await runTool('qpdf', ['--check', file]);
  return code === 0 || code === 3;
}
