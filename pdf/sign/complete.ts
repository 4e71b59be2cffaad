import { copyFile, open } from 'node:fs/promises';
import { PdfError } from '../core/errors';
import { type ByteSource, bufferSource, digestRanges, openSource } from '../core/source';
import { parseCertificate } from '../cms/certificate';
import { DerError, children, decodeOid, readDer } from '../cms/der';
import { OID } from '../cms/oids';
import {
  buildSignedAttributes,
  buildSignedData,
  ecdsaRawToDer,
  parseSignedData,
  signatureAlgorithmId,
  verifySignatureValue,
} from '../cms/signed-data';
import type { PreparedSignatureState } from './prepare';

/** What the signer returned: a bare signature value over the signed attributes, or a whole CMS ContentInfo. */
export type SignatureResult = { signatureValue: Uint8Array } | { cms: Uint8Array };

function fromB64(s: string): Buffer {
  return Buffer.from(s, 'base64');
}

/** Checks the state against itself and against the prepared file; returns the CMS to embed (RFC 5652 5.1). */
async function buildCms(
  src: ByteSource,
  state: PreparedSignatureState,
  result: SignatureResult,
  rehash = true,
): Promise<Buffer> {
  if (state?.version !== 1 || !Array.isArray(state.byteRange) || state.byteRange.length !== 4)
    throw new PdfError('STATE_MISMATCH', 'not a prepared signature state');
  const [a, b, c, d] = state.byteRange;
  if (
    src.size !== state.preparedSize ||
    a !== 0 ||
    c + d !== src.size ||
    c - b - 2 !== state.contentsCapacity
  )
    throw new PdfError('STATE_MISMATCH', 'prepared file does not match the state (size or ByteRange)');
  const digest = rehash
    ? await digestRanges(
        src,
        [
          [0, b],
          [c, d],
        ],
        state.scheme.hash,
      )
    : fromB64(state.messageDigest);
  if (!digest.every((x, i) => x === fromB64(state.messageDigest)[i]))
    throw new PdfError('STATE_MISMATCH', 'prepared file was modified after prepareSignature');
  const chain = state.certificateChain.map(fromB64);
  const signer = parseCertificate(chain[0]!);
  const attrs = buildSignedAttributes(digest, signer);
  if (!attrs.equals(fromB64(state.signedAttributes)))
    throw new PdfError('STATE_MISMATCH', 'signed attributes in the state do not match the prepared file');

  const sigAlg = parseSignedDataAlg(state);
  if ('signatureValue' in result) {
    let value: Buffer = Buffer.from(result.signatureValue);
    if (state.scheme.keyAlgorithm === 'ECDSA' && value[0] !== 0x30) value = ecdsaRawToDer(value);
    if (!verifySignatureValue(signer.publicKey, sigAlg, attrs, value))
      throw new PdfError('SIGNATURE_MISMATCH', 'signature value does not verify with the signer certificate');
    return buildSignedData({
      signedAttributes: attrs,
      signature: value,
      scheme: state.scheme,
      signer,
      certificates: chain,
    });
  }
  let parsed;
  try {
    parsed = parseSignedData(result.cms);
  } catch (err) {
    if (err instanceof DerError)
      throw new PdfError('SIGNATURE_MISMATCH', `not a CMS SignedData: ${err.message}`);
    throw err;
  }
  const sameSigner =
    parsed.sid.kind === 'issuerSerial' &&
    Buffer.from(parsed.sid.issuerRaw).equals(Buffer.from(signer.issuerRaw)) &&
    Buffer.from(parsed.sid.serial).equals(Buffer.from(signer.serial));
  const md = parsed.attributes.get(OID.messageDigest)?.[0]?.value;
  if (!sameSigner) throw new PdfError('SIGNATURE_MISMATCH', 'CMS is signed by another certificate');
  if (!md || !Buffer.from(md).equals(Buffer.from(digest)))
    throw new PdfError('SIGNATURE_MISMATCH', 'CMS message-digest does not match the prepared ByteRange');
  if (
    !parsed.signedAttributes ||
    !verifySignatureValue(signer.publicKey, parsed, parsed.signedAttributes, parsed.signature)
  )
    throw new PdfError('SIGNATURE_MISMATCH', 'CMS signature does not verify with the signer certificate');
  return Buffer.from(result.cms);
}

function parseSignedDataAlg(state: PreparedSignatureState) {
  const [o, params] = children(readDer(signatureAlgorithmId(state.scheme)));
  return {
    signatureAlgorithmOid: decodeOid(o!),
    signatureAlgorithmParams: params,
    digestAlgorithm: state.scheme.hash,
  };
}

function contentsHex(cms: Uint8Array, state: PreparedSignatureState): Buffer {
  const hex = Buffer.from(cms).toString('hex');
  if (hex.length > state.contentsCapacity)
    throw new PdfError(
      'CONTENTS_TOO_SMALL',
      `CMS needs ${hex.length / 2} bytes, ${state.contentsCapacity / 2} reserved; raise contentsMargin`,
    );
  return Buffer.from(hex.padEnd(state.contentsCapacity, '0'), 'latin1');
}

/**
 * Phase two of deferred signing: checks that `result` verifies against the certificate and signed attributes of
 * `state` and that the prepared bytes are unchanged, then writes the CMS into /Contents. Returns the signed bytes.
 * Throws PdfError: STATE_MISMATCH, SIGNATURE_MISMATCH, CONTENTS_TOO_SMALL.
 */
export async function completeSignature(
  prepared: Uint8Array,
  state: PreparedSignatureState,
  result: SignatureResult,
): Promise<Uint8Array> {
  const cms = await buildCms(bufferSource(prepared), state, result);
  const hex = contentsHex(cms, state);
  const out = Buffer.from(prepared);
  hex.copy(out, state.byteRange[1] + 1);
  return out;
}

/**
 * File variant of {@link completeSignature}: patches /Contents of `preparedPath` in place (or of a copy at
 * `outputPath`) with a positioned write; the file is never loaded whole.
 */
export async function completeSignatureFile(
  preparedPath: string,
  state: PreparedSignatureState,
  result: SignatureResult,
  outputPath: string = preparedPath,
): Promise<void> {
  await completeFile(preparedPath, state, result, outputPath, true);
}

/**
 * {@link completeSignatureFile} for a file this process prepared a moment ago (one-step `signPdfFile`): reuses the
 * ByteRange digest prepareSignature computed rather than hashing the whole file again, which was a third of the
 * time of signing a large file. Deferred signing, where the prepared file waits on disk for a remote signer, keeps
 * the re-hash. Not exported from the package: the caller must have written the file itself.
 */
export async function completeJustPreparedFile(
  preparedPath: string,
  state: PreparedSignatureState,
  result: SignatureResult,
): Promise<void> {
  await completeFile(preparedPath, state, result, preparedPath, false);
}

async function completeFile(
  preparedPath: string,
  state: PreparedSignatureState,
  result: SignatureResult,
  outputPath: string,
  rehash: boolean,
): Promise<void> {
  const src = await openSource(preparedPath);
  let cms: Buffer;
  try {
    cms = await buildCms(src, state, result, rehash);
  } finally {
    await src.close();
  }
  const hex = contentsHex(cms, state);
  try {
    if (outputPath !== preparedPath) await copyFile(preparedPath, outputPath);
    const fh = await open(outputPath, 'r+');
    try {
      await fh.write(hex, 0, hex.length, state.byteRange[1] + 1);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new PdfError('IO_ERROR', `cannot write ${outputPath}: ${(err as Error).message}`, { cause: err });
  }
}
