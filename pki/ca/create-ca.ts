import type { KeyObject } from 'node:crypto';
import { LIENTHONG_POLICY_OID, Oid } from '../oids';
import {
  authorityInfoAccessExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  keyUsageExtension,
} from './extensions';
import { issueCertificate, type CaCredentials, type IssuedCertificate } from './issue-certificate';
import { generateKeyPair, type KeyAlgorithmName } from './keys';
import type { DnAttribute } from './names';

/** A CA certificate together with its private key. */
export interface CreatedCa extends IssuedCertificate, CaCredentials {}

export interface CreateRootCaParams {
  subject: readonly DnAttribute[];
  notBefore: Date;
  notAfter: Date;
  keyAlgorithm?: KeyAlgorithmName;
  /** Reuse an existing key instead of generating one. */
  privateKey?: KeyObject;
  publicKey?: KeyObject;
  /** basicConstraints pathLenConstraint (RFC 5280 4.2.1.9); default 1 (root → issuing CA → end entity). */
  pathLen?: number;
  policies?: readonly string[];
}

/**
 * Creates a self-signed root CA (RFC 5280 4.2.1.9 basicConstraints cA, critical; keyUsage keyCertSign + cRLSign,
 * critical; SKI = AKI; certificatePolicies anyPolicy so subordinate policies chain). Key generated with node:crypto
 * unless given.
 */
export async function createRootCa(params: CreateRootCaParams): Promise<CreatedCa> {
  const keys =
    params.privateKey && params.publicKey
      ? { privateKey: params.privateKey, publicKey: params.publicKey }
      : await generateKeyPair(params.keyAlgorithm ?? 'rsa2048');
  const issued = issueCertificate({
    subject: params.subject,
    subjectPublicKey: keys.publicKey,
    selfSignKey: keys.privateKey,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    extensions: [
      basicConstraintsExtension(true, params.pathLen ?? 1),
      keyUsageExtension(['keyCertSign', 'cRLSign']),
      certificatePoliciesExtension(params.policies ?? [Oid.anyPolicy]),
    ],
  });
  return { ...issued, privateKey: keys.privateKey };
}

export interface CreateIssuingCaParams {
  subject: readonly DnAttribute[];
  issuer: CaCredentials;
  notBefore: Date;
  notAfter: Date;
  keyAlgorithm?: KeyAlgorithmName;
  privateKey?: KeyObject;
  publicKey?: KeyObject;
  /** Default 0: the issuing CA signs end entities only. */
  pathLen?: number;
  /** CRL of the *parent* CA that covers this certificate, e.g. `http://host/pki/crl/root.crl`. */
  crlUrl?: string;
  /** URL where the parent CA certificate is published (authorityInfoAccess caIssuers). */
  caIssuersUrl?: string;
  policies?: readonly string[];
}

/** Creates a subordinate issuing CA signed by `issuer` (RFC 5280 4.2.1.9, 4.2.1.13, 4.2.2.1, 4.2.1.4). */
export async function createIssuingCa(params: CreateIssuingCaParams): Promise<CreatedCa> {
  const keys =
    params.privateKey && params.publicKey
      ? { privateKey: params.privateKey, publicKey: params.publicKey }
      : await generateKeyPair(params.keyAlgorithm ?? 'rsa2048');
  const extensions = [
    basicConstraintsExtension(true, params.pathLen ?? 0),
    keyUsageExtension(['keyCertSign', 'cRLSign']),
    certificatePoliciesExtension(params.policies ?? [LIENTHONG_POLICY_OID]),
  ];
  if (params.crlUrl) extensions.push(crlDistributionPointsExtension([params.crlUrl]));
  if (params.caIssuersUrl) extensions.push(authorityInfoAccessExtension(params.caIssuersUrl));
  const issued = issueCertificate({
    subject: params.subject,
    subjectPublicKey: keys.publicKey,
    issuer: params.issuer,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    extensions,
  });
  return { ...issued, privateKey: keys.privateKey };
}
