import { rename, unlink } from 'node:fs/promises';
import type { Signer } from '../../pki/signer';
import { PdfError } from '../core/errors';
import { type SignatureResult, completeJustPreparedFile, completeSignature } from './complete';
import type { SignatureOptions } from './options';
import { type PreparedSignature, prepareSignature } from './prepare';
import {
  SIGNATURE_TIMESTAMP_RESERVE,
  type TimestampTokenSource,
  timestampedCms,
} from './signature-timestamp';

/** One-step signing options: a {@link Signer} holds the key (server-held key, token, remote service). */
export interface SignPdfOptions extends SignatureOptions {
  signer: Signer;
  /** When given, the signature gets a signature time-stamp from this source: PAdES B-T instead of B-B. */
  signatureTimestamp?: TimestampTokenSource;
}

/** Room for the signature time-stamp token in /Contents when one is asked for. */
function withReserve(options: SignPdfOptions): SignPdfOptions {
  if (!options.signatureTimestamp) return options;
  return { ...options, contentsMargin: (options.contentsMargin ?? 512) + SIGNATURE_TIMESTAMP_RESERVE };
}

/** The bare signature value (B-B), or the whole CMS with a signature time-stamp (B-T). */
async function result(
  p: PreparedSignature,
  value: Uint8Array,
  options: SignPdfOptions,
): Promise<SignatureResult> {
  if (!options.signatureTimestamp) return { signatureValue: value };
  return { cms: await timestampedCms(p.state, value, options.signatureTimestamp) };
}

async function signPrepared(p: PreparedSignature, signer: Signer): Promise<Uint8Array> {
  const { scheme } = p.state;
  if (signer.keyAlgorithm !== scheme.keyAlgorithm)
    throw new PdfError(
      'INVALID_OPTION',
      `signer key is ${signer.keyAlgorithm}, certificate is ${scheme.keyAlgorithm}`,
    );
  return signer.sign(p.toBeSigned, { hash: scheme.hash, scheme: scheme.rsaScheme });
}

/**
 * Signs a PDF held in memory and returns the new bytes: the original bytes followed by one incremental update with
 * a PAdES B-B signature (ETSI EN 319 142-1, SubFilter ETSI.CAdES.detached), or B-T with `signatureTimestamp`. Same path as deferred signing:
 * prepare, `signer.sign` over the signed attributes, complete (which verifies the signature before embedding).
 */
export async function signPdf(input: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  const certificateChain = await options.signer.certificateChain();
  const p = await prepareSignature(input, { ...withReserve(options), certificateChain });
  const signatureValue = await signPrepared(p, options.signer);
  return completeSignature(p.prepared!, p.state, await result(p, signatureValue, options));
}

/**
 * File variant of {@link signPdf} for large documents: the input is copied to `outputPath` and the update appended;
 * hashing reads the file in chunks, so memory does not grow with the document. On failure the partial output is
 * removed. `outputPath` must differ from `inputPath`.
 */
export async function signPdfFile(
  inputPath: string,
  outputPath: string,
  options: SignPdfOptions,
): Promise<void> {
  if (inputPath === outputPath) throw new PdfError('INVALID_OPTION', 'output must differ from input');
  const certificateChain = await options.signer.certificateChain();
  const tmp = `${outputPath}.partial`;
  try {
    const p = await prepareSignature(inputPath, { ...withReserve(options), certificateChain }, tmp);
    const signatureValue = await signPrepared(p, options.signer);
    await completeJustPreparedFile(tmp, p.state, await result(p, signatureValue, options));
    await rename(tmp, outputPath);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
