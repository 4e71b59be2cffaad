import { execFile } from 'node:child_process';
import { type KeyObject, createPrivateKey } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import type { AppearanceKind, PdfVerificationReport, Rect } from '../pdf';
// Direct modules rather than the ../pdf and ../pki indexes, which load everything (pdf-lib, pkijs, verification);
// signing and verification are imported by their command only (see signCommand, verifyCommand).
import { isPdfError } from '../pdf/core/errors';
import { readCertificates } from '../pdf/cms/certificate';
import type * as SignPdf from '../pdf/sign/sign-pdf';
import type * as VerifyPdf from '../pdf/verify/verify-pdf';
import type * as KeySigner from '../pki/keystore/key-signer';
import { EXIT_INVALID, EXIT_OK, UsageError } from './exit-codes';
import { extendFile, parseLevel, registerLongTermCommands, tokenSource } from './pdf-long-term';

// Each command requires only what it runs (require rather than import(): see GROUPS in cli/main.ts).
/* eslint-disable @typescript-eslint/no-require-imports */
const loadSigning = () => require('../pdf/sign/sign-pdf') as typeof SignPdf;
const loadKeySigner = () => require('../pki/keystore/key-signer') as typeof KeySigner;
const loadVerification = () => require('../pdf/verify/verify-pdf') as typeof VerifyPdf;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Reads a PKCS #8 private key (PEM or DER, optionally encrypted), or another PEM key node:crypto understands. */
function readPrivateKey(bytes: Uint8Array, passphrase?: string): KeyObject {
  const pem = Buffer.from(bytes).toString('latin1').includes('-----BEGIN');
  try {
    return pem
      ? createPrivateKey({ key: Buffer.from(bytes).toString('latin1'), format: 'pem', passphrase })
      : createPrivateKey({ key: Buffer.from(bytes), format: 'der', type: 'pkcs8', passphrase });
  } catch (err) {
    throw new UsageError(`cannot read private key: ${(err as Error).message}`);
  }
}

const collect = (v: string, prev: string[]) => [...prev, v];

async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
}

function parseRect(s: string): Rect {
  const parts = s.split(',').map(Number);
  if (parts.length !== 4 || !parts.every(Number.isFinite) || parts[2]! <= 0 || parts[3]! <= 0)
    throw new UsageError(`--rect must be x,y,w,h with positive width and height, got ${s}`);
  return parts as Rect;
}

function parseDate(s: string, flag: string): Date {
  const d = new Date(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(d.getTime()))
    throw new UsageError(`${flag} must be ISO 8601, got ${s}`);
  return d;
}

const run = promisify(execFile);

/** Reads key and certificates from a PKCS #12 file with the openssl CLI (node:crypto has no PKCS #12 reader). */
async function readP12(path: string, pass: string): Promise<{ key: Buffer; certs: Uint8Array[] }> {
  const env = { ...process.env, LIENTHONG_P12_PASS: pass };
  const attempt = async (legacy: boolean) =>
    run(
      'openssl',
      ['pkcs12', '-in', path, '-nodes', '-passin', 'env:LIENTHONG_P12_PASS', ...(legacy ? ['-legacy'] : [])],
      {
        env,
        maxBuffer: 16 << 20,
      },
    );
  let out: string;
  try {
    out = (await attempt(false)).stdout;
  } catch {
    try {
      out = (await attempt(true)).stdout;
    } catch (err) {
      throw new UsageError(`cannot read PKCS #12 ${path}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const key = /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]*?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(
    out,
  );
  if (!key) throw new UsageError(`no private key in ${path}`);
  return { key: Buffer.from(key[0]), certs: readCertificates(Buffer.from(out)) };
}

interface SignFlags {
  in: string;
  out: string;
  cert?: string;
  key?: string;
  keyPassEnv?: string;
  chain: string[];
  p12?: string;
  reason?: string;
  location?: string;
  appearance: string;
  image?: string;
  page?: string;
  rect?: string;
  name?: string;
  title?: string;
  documentNumber?: string;
  time?: string;
  hash: string;
  pss?: boolean;
  font?: string;
  level: string;
  tsa?: string;
  crl: string[];
}

async function signCommand(f: SignFlags): Promise<void> {
  const kinds: AppearanceKind[] = ['personal', 'organisation', 'text', 'none'];
  if (!kinds.includes(f.appearance as AppearanceKind))
    throw new UsageError(`--appearance must be one of ${kinds.join(', ')}`);
  if (f.hash !== 'SHA-256' && f.hash !== 'SHA-384') throw new UsageError('--hash must be SHA-256 or SHA-384');
  const level = parseLevel(f.level);
  // B-T and above: a signature time-stamp over the signature value (ETSI EN 319 142-1 6.3).
  const signatureTimestamp = level === 'B-B' ? undefined : tokenSource(f.tsa, level);
  let pass: string | undefined;
  if (f.keyPassEnv) {
    pass = process.env[f.keyPassEnv];
    if (pass === undefined) throw new UsageError(`environment variable ${f.keyPassEnv} is not set`);
  }
  let keyBytes: Uint8Array;
  let certs: Uint8Array[] = [];
  if (f.p12) {
    const p12 = await readP12(f.p12, pass ?? '');
    keyBytes = p12.key;
    certs = p12.certs;
    pass = undefined;
  } else {
    if (!f.cert || !f.key) throw new UsageError('--cert and --key (or --p12) are required');
    keyBytes = await readInput(f.key, 'key');
  }
  if (f.cert) certs = [...readCertificates(await readInput(f.cert, 'certificate')), ...certs.slice(1)];
  for (const c of f.chain) certs.push(...readCertificates(await readInput(c, 'chain certificate')));
  if (certs.length === 0) throw new UsageError('no signer certificate');
  const key = readPrivateKey(keyBytes, pass);
  const page = f.page === undefined ? undefined : Number(f.page);
  if (page !== undefined && !(Number.isInteger(page) && page >= 1))
    throw new UsageError('--page must be a positive integer');
  const { signPdfFile } = loadSigning();
  const { createKeySigner } = loadKeySigner();
  const longTerm = level === 'B-LT' || level === 'B-LTA';
  // The CLI is a composition root: the clock is read here, never inside the library.
  const now = new Date();
  const signedPath = longTerm ? `${f.out}.signed` : f.out;
  await signPdfFile(f.in, signedPath, {
    signatureTimestamp,
    signer: createKeySigner(key, certs),
    signingTime: f.time ? parseDate(f.time, '--time') : now,
    hash: f.hash,
    rsaScheme: f.pss ? 'pss' : 'pkcs1',
    reason: f.reason,
    location: f.location,
    appearance: {
      kind: f.appearance as AppearanceKind,
      page,
      rect: f.rect ? parseRect(f.rect) : undefined,
      image: f.image ? await readInput(f.image, 'image') : undefined,
      name: f.name,
      title: f.title,
      documentNumber: f.documentNumber,
      fontPath: f.font,
      defaultFontPath: process.env.LIENTHONG_FONT,
    },
  });
  if (!longTerm) return;
  try {
    await extendFile(signedPath, f.out, level, f.crl, f.tsa, now);
  } finally {
    await unlink(signedPath).catch(() => undefined);
  }
}

interface VerifyFlags {
  in: string;
  anchor: string[];
  crl: string[];
  intermediate: string[];
  at?: string;
  agency?: string;
  full?: boolean;
}

/** Summary printed by `pdf verify` (the automated-check contract); `--full` prints the whole report instead. */
export function summarise(r: PdfVerificationReport) {
  return {
    valid: r.valid,
    indication: r.indication,
    signatures: r.signatures.map((s) => ({
      valid: s.valid,
      subIndication: s.subIndication ?? null,
      signer: s.signer ?? null,
      serial: s.serial ?? null,
      signingTime: s.signingTime ?? null,
      coversWholeDocument: s.coversWholeDocument,
    })),
  };
}

async function verifyCommand(f: VerifyFlags): Promise<void> {
  if (f.anchor.length === 0) throw new UsageError('at least one --anchor is required');
  const anchors = (await Promise.all(f.anchor.map((a) => readInput(a, 'anchor')))).flatMap(readCertificates);
  const intermediates = (await Promise.all(f.intermediate.map((a) => readInput(a, 'intermediate')))).flatMap(
    readCertificates,
  );
  const crls = await Promise.all(f.crl.map((c) => readInput(c, 'CRL')));
  // The PDF is not read here: verifyPdf streams it from disk, and an unreadable file is its IO_ERROR (exit 2).
  const { verifyPdf } = loadVerification();
  const report = await verifyPdf(f.in, {
    anchors,
    intermediates,
    crls: crls.map(pemToDer),
    at: f.at ? parseDate(f.at, '--at') : new Date(),
    // Without --crl and without CRLs in the /DSS, revocation is not checked (documented in --help); with CRLs,
    // coverage is required.
    revocation: 'when-available',
    decree30: f.agency !== undefined ? { issuingAgency: f.agency || undefined } : undefined,
  });
  process.stdout.write(`${JSON.stringify(f.full ? report : summarise(report))}\n`);
  process.exitCode = report.valid ? EXIT_OK : EXIT_INVALID;
}

function pemToDer(b: Buffer): Uint8Array {
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(b.toString('latin1'));
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : b;
}

/** Wraps a command so PDF errors (unreadable or malformed input) become usage errors (exit code 2). */
function guarded<T>(fn: (f: T) => Promise<void>): (f: T) => Promise<void> {
  return async (f) => {
    try {
      await fn(f);
    } catch (err) {
      if (isPdfError(err)) throw new UsageError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
}

/** Registers the subcommands of `lienthong pdf …` (created by main.ts). */
export function registerPdfCommands(pdf: Command): void {
  pdf
    .command('sign')
    .description(
      'add a PAdES signature (ETSI.CAdES.detached) as an incremental update: B-B, or with --tsa B-T (signature ' +
        'time-stamp), B-LT (plus /DSS) or B-LTA (plus a document time-stamp)',
    )
    .requiredOption('--in <file>', 'input PDF')
    .requiredOption('--out <file>', 'output PDF (must differ from --in)')
    .option('--cert <file>', 'signer certificate, DER or PEM')
    .option('--key <file>', 'PKCS #8 private key, PEM or DER, optionally encrypted')
    .option('--key-pass-env <var>', 'name of the environment variable holding the key (or --p12) passphrase')
    .option('--chain <file>', 'issuer certificate(s), DER or PEM; repeatable', collect, [])
    .option('--p12 <file>', 'PKCS #12 file with key and certificates (read with the openssl CLI)')
    .option('--reason <text>', 'reason for signing (/Reason)')
    .option('--location <text>', 'location (/Location)')
    .option('--appearance <kind>', 'personal | organisation | text | none (Decree 30/2020)', 'none')
    .option('--image <png>', 'signature image (personal) or seal image (organisation), PNG')
    .option('--page <n>', 'page number, 1-based')
    .option('--rect <x,y,w,h>', 'widget rectangle in points')
    .option('--name <text>', 'signer or agency name shown (default from the certificate subject CN/O)')
    .option('--title <text>', 'personal: authority and position line above the signature')
    .option('--document-number <text>', 'text: document number and notation')
    .option('--time <iso>', 'signing time (default: now)')
    .option('--hash <alg>', 'SHA-256 | SHA-384', 'SHA-256')
    .option('--pss', 'RSA: sign with RSASSA-PSS instead of PKCS #1 v1.5')
    .option('--font <ttf>', 'TrueType font for appearances (default $LIENTHONG_FONT, then system fonts)')
    .option('--level <level>', 'B-B | B-T | B-LT | B-LTA (ETSI EN 319 142-1 baseline level)', 'B-B')
    .option(
      '--tsa <url>',
      'RFC 3161 time-stamp authority URL (B-T and above), e.g. http://127.0.0.1:8080/tsa',
    )
    .option(
      '--crl <file>',
      'B-LT/B-LTA: CRL to embed, DER or PEM; repeatable (default: fetched)',
      collect,
      [],
    )
    .action(guarded(signCommand));
  pdf
    .command('verify')
    .description(
      'verify every signature; prints one JSON object; exit 0 valid, 1 invalid or unsigned, 2 bad usage. ' +
        'Without --crl and without CRLs embedded in the /DSS revocation is NOT checked; with CRLs every ' +
        "certificate needs CRL coverage. --full reports each signature's PAdES level and time-stamp times.",
    )
    .requiredOption('--in <file>', 'PDF to verify')
    .option('--anchor <file>', 'trust anchor certificate, DER or PEM; repeatable', collect, [])
    .option('--crl <file>', 'CRL, DER or PEM; repeatable', collect, [])
    .option('--intermediate <file>', 'extra intermediate certificate; repeatable', collect, [])
    .option('--at <iso>', 'validation time (default: now)')
    .option('--agency [name]', 'also check the Decree 30/2020 layout (and the issuing agency name if given)')
    .option('--full', 'print the full report instead of the summary')
    .action(guarded(verifyCommand));
  registerLongTermCommands(pdf, guarded);
}
