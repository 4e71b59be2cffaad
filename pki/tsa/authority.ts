import type { DigestAlgorithm } from '../../pdf/core/source';
import { parseCertificate } from '../../pdf/cms/certificate';
import { DIGEST_OID_OF } from '../../pdf/cms/oids';
import { LIENTHONG_TSA_POLICY_OID } from './profile';
import type { TimestampRequest } from './request';
import { type FailureInfo, grantedResponse, rejectionResponse } from './response';
import { type Accuracy, type TsaCredentials, buildTimestampToken, buildTstInfo } from './token';

/** Hash algorithms whose imprints the TSA accepts (ETSI TS 119 312: SHA-1 no longer). */
const ACCEPTED: ReadonlySet<DigestAlgorithm> = new Set(['SHA-256', 'SHA-384', 'SHA-512']);
const LENGTH: Partial<Record<DigestAlgorithm, number>> = { 'SHA-256': 32, 'SHA-384': 48, 'SHA-512': 64 };

/** The TSA's policy: the one policy OID it stamps under and the accuracy it declares for its clock. */
export interface TsaPolicy {
  policy: string;
  accuracy: Accuracy;
}

/**
 * The province TSA's policy: its OID and a stated accuracy of one second, which the host's NTP-synchronised clock
 * keeps (README, Time-stamp authority).
 */
export const PROVINCE_TSA_POLICY: TsaPolicy = { policy: LIENTHONG_TSA_POLICY_OID, accuracy: { seconds: 1 } };

/** Why a well-formed request is refused, or undefined when it is accepted (RFC 3161 2.4.2 PKIFailureInfo). */
export function refusal(
  req: TimestampRequest,
  policy: TsaPolicy,
): { failure: FailureInfo; text: string } | undefined {
  if (req.version !== 1) return { failure: 'badRequest', text: `unsupported version ${req.version}` };
  if (!req.hashAlgorithm || !ACCEPTED.has(req.hashAlgorithm))
    return { failure: 'badAlg', text: `hash algorithm ${req.hashAlgorithmOid} not accepted` };
  if (req.hashedMessage.length !== LENGTH[req.hashAlgorithm])
    return { failure: 'badDataFormat', text: `imprint length does not match ${req.hashAlgorithm}` };
  if (req.reqPolicy && req.reqPolicy !== policy.policy)
    return {
      failure: 'unacceptedPolicy',
      text: `policy ${req.reqPolicy} not supported; this TSA uses ${policy.policy}`,
    };
  if (req.hasExtensions)
    return { failure: 'unacceptedExtension', text: 'request extensions are not supported' };
  return undefined;
}

/** What the authority needs at the moment it stamps: the time and a fresh serial number. */
export interface StampContext {
  credentials: TsaCredentials;
  policy: TsaPolicy;
  /** genTime, read by the caller from its clock (never inside this module). */
  now: Date;
  /** Allocates a serial number never used before by this TSA (content octets of a positive INTEGER). */
  allocateSerial: (genTime: Date) => Promise<Uint8Array>;
}

/**
 * Answers a parsed TimeStampReq (RFC 3161 2.4): a rejection status for a request the TSA does not support, else a
 * granted TimeStampResp with a token over the request's imprint, the nonce echoed, the policy and accuracy stated.
 */
export async function answerTimestampRequest(req: TimestampRequest, c: StampContext): Promise<Buffer> {
  const refused = refusal(req, c.policy);
  if (refused) return rejectionResponse(refused.failure, refused.text);
  const serial = await c.allocateSerial(c.now);
  const tstInfo = buildTstInfo(
    {
      policy: c.policy.policy,
      hashAlgorithm: req.hashAlgorithm!,
      hashedMessage: req.hashedMessage,
      serial,
      genTime: c.now,
      accuracy: c.policy.accuracy,
      nonce: req.nonce,
    },
    parseCertificate(c.credentials.chain[0]!),
  );
  const token = await buildTimestampToken(tstInfo, c.credentials, { includeCertificates: req.certReq });
  return grantedResponse(token);
}

/**
 * A token over `digest` for the TSA's own use inside the stack (the exchange's signatures), without the request and
 * reply envelope: the same TSTInfo, serial allocation and signature as a granted `POST /tsa`, certificates included.
 */
export async function stampDigest(
  digest: Uint8Array,
  hash: DigestAlgorithm,
  c: StampContext,
): Promise<Buffer> {
  const req: TimestampRequest = {
    version: 1,
    hashAlgorithmOid: DIGEST_OID_OF[hash],
    hashAlgorithm: hash,
    hashedMessage: digest,
    certReq: true,
    hasExtensions: false,
  };
  const refused = refusal(req, c.policy);
  if (refused) throw new Error(`time-stamp refused: ${refused.text}`);
  const tstInfo = buildTstInfo(
    {
      policy: c.policy.policy,
      hashAlgorithm: hash,
      hashedMessage: digest,
      serial: await c.allocateSerial(c.now),
      genTime: c.now,
      accuracy: c.policy.accuracy,
    },
    parseCertificate(c.credentials.chain[0]!),
  );
  return buildTimestampToken(tstInfo, c.credentials, { includeCertificates: true });
}
