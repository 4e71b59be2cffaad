/**
 * A complete throw-away PKI built at runtime with fixed dates, on the real CA code in `pki/`.
 *
 * ```ts
 * const pki = await createTestPki();                       // RSA-2048; { keyAlgorithm: 'p256' } for ECDSA
 * pki.organisation.signer                                   // Signer for the agency seal certificate
 * pki.personal.certificate                                  // DER, CN "Nguyễn Văn An"
 * pki.anchors / pki.intermediates / pki.crl                 // inputs for validatePath
 * await validatePath({ anchors: pki.anchors, intermediates: pki.intermediates, cert: pki.personal.certificate,
 *                      crls: [pki.crl], at: pki.at });
 * const revoked = await createTestPki({ revoke: ['personal'] }); // CRL lists the personal certificate
 * pki.makeCrl({ revoked: [{ serial: pki.organisation.serialHex, date: pki.at, reason: 'keyCompromise' }] });
 * ```
 *
 * Every entity is `{ certificate, serialHex, subject, privateKey, privateKeyPkcs8, signer }`; `signer.certificateChain()`
 * returns [entity, issuing CA, root]. Defaults: validity 2025-01-01 .. 2035-01-01, CRL thisUpdate 2026-01-01 and
 * nextUpdate 2026-07-01, `at` = 2026-03-01T00:00:00Z (inside all of them). CRL distribution points use
 * `http://pki.test/pki/crl/<ca>.crl`.
 */
import type { KeyObject } from 'node:crypto';
import {
  createCrl,
  createIssuingCa,
  createKeySigner,
  createRootCa,
  describeName,
  generateKeyPair,
  issueEndEntity,
  type CreateCrlParams,
  type CrlReason,
  type KeyAlgorithmName,
  type Signer,
} from '../../pki';

export interface TestPkiEntity {
  /** DER certificate. */
  certificate: Uint8Array;
  serialHex: string;
  /** Subject DN as an RFC 4514 string (Unicode preserved). */
  subject: string;
  privateKey: KeyObject;
  /** Unencrypted PKCS#8 DER of `privateKey`. */
  privateKeyPkcs8: Uint8Array;
  signer: Signer;
}

export interface TestPkiOptions {
  keyAlgorithm?: KeyAlgorithmName;
  notBefore?: Date;
  notAfter?: Date;
  crlThisUpdate?: Date;
  crlNextUpdate?: Date;
  /** Entities (`'organisation' | 'personal'`) or hex serials the CRL revokes (reason keyCompromise). */
  revoke?: string[];
  crlBaseUrl?: string;
}

export interface TestPki {
  root: TestPkiEntity;
  issuing: TestPkiEntity;
  organisation: TestPkiEntity;
  personal: TestPkiEntity;
  /** CRL of the issuing CA (cRLNumber 1). */
  crl: Uint8Array;
  /** CRL of the root CA (empty, covers the issuing CA). */
  rootCrl: Uint8Array;
  /** [root] */
  anchors: Uint8Array[];
  /** [issuing] */
  intermediates: Uint8Array[];
  /** A time inside every validity period and CRL window. */
  at: Date;
  /** Signs another CRL with the issuing CA; defaults: cRLNumber 2, the same dates as `crl`. */
  makeCrl(params: Partial<Omit<CreateCrlParams, 'issuer'>>): Uint8Array;
}

export const TEST_PKI_AT = new Date('2026-03-01T00:00:00Z');

/** Builds root CA → issuing CA → {organisation, personal} plus CRLs. See the file header. */
export async function createTestPki(opts: TestPkiOptions = {}): Promise<TestPki> {
  const keyAlgorithm = opts.keyAlgorithm ?? 'rsa2048';
  const notBefore = opts.notBefore ?? new Date('2025-01-01T00:00:00Z');
  const notAfter = opts.notAfter ?? new Date('2035-01-01T00:00:00Z');
  const thisUpdate = opts.crlThisUpdate ?? new Date('2026-01-01T00:00:00Z');
  const nextUpdate = opts.crlNextUpdate ?? new Date('2026-07-01T00:00:00Z');
  const base = opts.crlBaseUrl ?? 'http://pki.test/pki';

  const root = await createRootCa({
    subject: [
      { type: 'C', value: 'VN' },
      { type: 'O', value: 'Lienthong Test PKI' },
      { type: 'CN', value: 'Lienthong Test Root CA' },
    ],
    notBefore,
    notAfter,
    keyAlgorithm,
  });
  const issuing = await createIssuingCa({
    subject: [
      { type: 'C', value: 'VN' },
      { type: 'O', value: 'Lienthong Test PKI' },
      { type: 'CN', value: 'Lienthong Test Issuing CA' },
    ],
    issuer: root,
    notBefore,
    notAfter,
    keyAlgorithm,
    crlUrl: `${base}/crl/root.crl`,
    caIssuersUrl: `${base}/ca/root.cer`,
  });
  const endEntity = async (profile: 'organisation' | 'personal') => {
    const keys = await generateKeyPair(keyAlgorithm);
    const issued = issueEndEntity({
      profile,
      subject:
        profile === 'organisation'
          ? {
              cn: 'Ủy ban nhân dân xã Tân Phú',
              o: 'Ủy ban nhân dân xã Tân Phú',
              ou: 'Văn phòng',
              l: 'Tân Phú',
            }
          : { cn: 'Nguyễn Văn An', o: 'Ủy ban nhân dân xã Tân Phú', title: 'Chủ tịch', l: 'Tân Phú' },
      subjectPublicKey: keys.publicKey,
      issuer: issuing,
      notBefore,
      notAfter,
      crlUrl: `${base}/crl/issuing.crl`,
      caIssuersUrl: `${base}/ca/issuing.cer`,
    });
    return entity(issued.certificate, issued.serialHex, keys.privateKey, [
      issuing.certificate,
      root.certificate,
    ]);
  };
  const organisation = await endEntity('organisation');
  const personal = await endEntity('personal');

  const revokedSerials = (opts.revoke ?? []).map((r) =>
    r === 'organisation' ? organisation.serialHex : r === 'personal' ? personal.serialHex : r,
  );
  const makeCrl = (p: Partial<Omit<CreateCrlParams, 'issuer'>>): Uint8Array =>
    createCrl({
      issuer: issuing,
      crlNumber: p.crlNumber ?? 2,
      thisUpdate: p.thisUpdate ?? thisUpdate,
      nextUpdate: p.nextUpdate ?? nextUpdate,
      revoked: p.revoked ?? [],
      hash: p.hash,
    });
  const crl = makeCrl({
    crlNumber: 1,
    revoked: revokedSerials.map((serial) => ({
      serial,
      date: thisUpdate,
      reason: 'keyCompromise' as CrlReason,
    })),
  });
  const rootCrl = createCrl({ issuer: root, crlNumber: 1, thisUpdate, nextUpdate, revoked: [] });

  return {
    root: entity(root.certificate, root.serialHex, root.privateKey, []),
    issuing: entity(issuing.certificate, issuing.serialHex, issuing.privateKey, [root.certificate]),
    organisation,
    personal,
    crl,
    rootCrl,
    anchors: [root.certificate],
    intermediates: [issuing.certificate],
    at: TEST_PKI_AT,
    makeCrl,
  };
}

function entity(
  certificate: Uint8Array,
  serialHex: string,
  privateKey: KeyObject,
  issuers: Uint8Array[],
): TestPkiEntity {
  return {
    certificate,
    serialHex,
    subject: describeName(certificate),
    privateKey,
    privateKeyPkcs8: new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })),
    signer: createKeySigner(privateKey, [certificate, ...issuers]),
  };
}
