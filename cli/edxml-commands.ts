import { createPrivateKey, type KeyObject } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readCertificates } from '../pdf/cms/certificate';
import { EdxmlError, decodeXmlBytes } from '../edxml/dom';
import { modelFromJson } from '../edxml/lienthong';
import { readEdxml } from '../edxml/read';
import { signEdxml, verifyEdxml } from '../edxml/signature';
import { writeEdxml } from '../edxml/write';
import type { EdxmlMessage, SignatureVerdict } from '../schemas/edxml-wire';
import { EXIT_INVALID, EXIT_OK, UsageError } from './exit-codes';
import { collect, readAnchors, readInput } from './inputs';

/**
 * `lienthong edxml parse|build|verify`: edXML files (QCVN 102:2016) to JSON and back, and their XMLDSig checked
 * against trust anchors. Exit codes: 0 ok/valid, 1 not edXML / invalid model / invalid signature, 2 bad usage or
 * unreadable input.
 */

function readPrivateKey(bytes: Buffer, path: string): KeyObject {
  const pem = bytes.toString('latin1').includes('-----BEGIN');
  try {
    return pem
      ? createPrivateKey({ key: bytes.toString('latin1'), format: 'pem' })
      : createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new UsageError(`cannot read private key ${path}: ${(err as Error).message}`);
  }
}

function parseAt(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const d = new Date(at);
  if (!/^\d{4}-\d{2}-\d{2}/.test(at) || Number.isNaN(d.getTime()))
    throw new UsageError(`--at must be ISO 8601, got ${at}`);
  return d;
}

/** Reports a file that is not edXML (exit 1), naming the element where reading stopped. */
function notEdxml(file: string, err: EdxmlError): void {
  const where = err.element ? ` (element <${err.element}>)` : '';
  process.stderr.write(`lienthong edxml: ${file}: ${err.message}${where}\n`);
  process.exitCode = EXIT_INVALID;
}

/**
 * The parse output: the model, with the values most often looked up (DocumentId, Subject, StatusCode) repeated at
 * the top so a script does not need to know whether the file was an envelope or a status.
 */
function parseOutput(m: EdxmlMessage, signature: SignatureVerdict | undefined) {
  const summary =
    m.kind === 'envelope'
      ? { documentId: m.header.documentId, subject: m.header.subject }
      : { documentId: m.status.responseFor?.documentId, statusCode: m.status.statusCode };
  return { ...summary, ...m, ...(signature ? { signature } : {}) };
}

interface ParseOptions {
  in: string;
  anchor: string[];
  at?: string;
}

async function parseCommand(opts: ParseOptions): Promise<void> {
  const xml = decodeXmlBytes(await readInput(opts.in, 'file'));
  let model: EdxmlMessage;
  try {
    model = readEdxml(xml);
  } catch (err) {
    if (err instanceof EdxmlError) return notEdxml(opts.in, err);
    throw err;
  }
  const signature = model.signed
    ? await verifyEdxml(xml, { anchors: await readAnchors(opts.anchor), at: parseAt(opts.at) })
    : undefined;
  process.stdout.write(`${JSON.stringify(parseOutput(model, signature), null, 2)}\n`);
  process.exitCode = EXIT_OK;
}

interface BuildOptions {
  in: string;
  out: string;
  signCert?: string;
  signKey?: string;
}

async function buildCommand(opts: BuildOptions): Promise<void> {
  if ((opts.signCert === undefined) !== (opts.signKey === undefined))
    throw new UsageError('--sign-cert and --sign-key go together');
  let raw: unknown;
  try {
    raw = JSON.parse((await readInput(opts.in, 'envelope')).toString('utf8'));
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${opts.in} is not JSON: ${(err as Error).message}`);
  }
  let xml: string;
  try {
    xml = writeEdxml(modelFromJson(raw));
    if (opts.signCert !== undefined && opts.signKey !== undefined) {
      const certs = readCertificates(await readInput(opts.signCert, 'certificate'));
      if (certs.length === 0) throw new UsageError(`${opts.signCert}: no certificate found`);
      const key = readPrivateKey(await readInput(opts.signKey, 'private key'), opts.signKey);
      xml = signEdxml(xml, key, certs);
    }
  } catch (err) {
    if (!(err instanceof EdxmlError)) throw err;
    process.stderr.write(`lienthong edxml: ${opts.in}: ${err.message}\n`);
    process.exitCode = EXIT_INVALID;
    return;
  }
  try {
    await writeFile(opts.out, xml);
  } catch (err) {
    throw new UsageError(`cannot write ${opts.out}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const signed = opts.signCert !== undefined;
  process.stdout.write(`${JSON.stringify({ out: opts.out, signed, bytes: Buffer.byteLength(xml) })}\n`);
  process.exitCode = EXIT_OK;
}

interface VerifyOptions {
  in: string;
  anchor: string[];
  crl: string[];
  at?: string;
}

async function verifyCommand(opts: VerifyOptions): Promise<void> {
  if (opts.anchor.length === 0) throw new UsageError('--anchor is required');
  const xml = decodeXmlBytes(await readInput(opts.in, 'file'));
  const anchors = await readAnchors(opts.anchor);
  const crls = await Promise.all(opts.crl.map((c) => readInput(c, 'CRL')));
  let verdict: SignatureVerdict | undefined;
  try {
    verdict = await verifyEdxml(xml, { anchors, crls, at: parseAt(opts.at) });
  } catch (err) {
    if (err instanceof EdxmlError) return notEdxml(opts.in, err);
    throw err;
  }
  const report = verdict ?? {
    valid: false,
    intact: false,
    coversHeader: false,
    reason: 'the file is not signed',
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.valid ? EXIT_OK : EXIT_INVALID;
}

export function registerEdxmlCommands(group: Command): void {
  group
    .command('parse')
    .description('read an edXML envelope or status message and print it as JSON (with the signature verdict)')
    .requiredOption('--in <file>', 'edXML file')
    .option('--anchor <file>', 'trust anchor for the signature, PEM or DER (repeatable)', collect, [])
    .option('--at <time>', 'validation time of the signer certificate (ISO 8601, default now)')
    .action((opts: ParseOptions) => parseCommand(opts));
  group
    .command('build')
    .description('write an edXML file from JSON (an edxml parse output or a lienthong envelope/status)')
    .requiredOption('--in <file>', 'JSON envelope or status')
    .requiredOption('--out <file>', 'edXML file to write')
    .option('--sign-cert <file>', 'signer certificate (PEM, may hold the chain, or DER)')
    .option('--sign-key <file>', 'signer private key (PKCS #8 PEM or DER)')
    .action((opts: BuildOptions) => buildCommand(opts));
  group
    .command('verify')
    .description('verify the XMLDSig of an edXML file and its certificate path')
    .requiredOption('--in <file>', 'signed edXML file')
    .option('--anchor <file>', 'trust anchor, PEM or DER (repeatable)', collect, [])
    .option('--crl <file>', 'CRL, DER (repeatable; without one revocation is not checked)', collect, [])
    .option('--at <time>', 'validation time (ISO 8601, default now)')
    .action((opts: VerifyOptions) => verifyCommand(opts));
}
