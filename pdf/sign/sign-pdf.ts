import { rename, unlink } from 'node:fs/promises';
import type { Signer } from '../../pki/signer';
import { PdfError } from '../core/errors';
import { completeJustPreparedFile, completeSignature } from './complete';
import type { SignatureOptions } from './options';
import { type PreparedSignature, prepareSignature } from './prepare';

/** One-step signing options: a {@link Signer} holds the key (server-held key, token, remote service). */
export interface SignPdfOptions extends SignatureOptions {
  signer: Signer;
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
 * a PAdES B-B signature (ETSI EN 319 142-1, SubFilter ETSI.CAdES.detached). Same path as deferred signing:
 * prepare, `signer.sign` over the signed attributes, complete (which verifies the signature before embedding).
 */
export async function signPdf(input: Uint8Array, options: SignPdfOptions): Promise<Uint8Array> {
  const certificateChain = await options.signer.certificateChain();
  const p = await prepareSignature(input, { ...options, certificateChain });
  const signatureValue = await signPrepared(p, options.signer);
  return completeSignature(p.prepared!, p.state, { signatureValue });
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
    const p = await prepareSignature(inputPath, { ...options, certificateChain }, tmp);
    const signatureValue = await signPrepared(p, options.signer);
    await completeJustPreparedFile(tmp, p.state, { signatureValue });
    await rename(tmp, outputPath);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
