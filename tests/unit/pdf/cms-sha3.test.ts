import { type KeyObject, constants, generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { type VerifyPdfOptions, verifyPdf } from '../../../pdf';
import { ctx, int, oid, seq } from '../../../pdf/cms/der';
import { OID } from '../../../pdf/cms/oids';
import { DEFAULT_CRYPTO_POLICY } from '../../../pdf/verify/crypto-policy';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  type Scheme,
  type Sha,
  digestAlgId,
  makeCertificate,
  name,
  pdfWithCms,
  schemes,
  signedData,
  signerInfo,
} from './support/cms-builder';
import { makePdf } from './support/corpus';
import { AT, trustAll } from './support/trust-all';

jest.setTimeout(120_000);

const CORPUS = join(__dirname, '../../conformance/pdf-corpus');

let pki: TestPki;
let base: Uint8Array;
const root = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  pki = await createTestPki();
  base = await makePdf();
});

function signer(keys: { publicKey: KeyObject; privateKey: KeyObject }, serial: number) {
  const cert = makeCertificate({
    subject: name(`SHA-3 signer ${serial}`),
    issuer: name('Test Root CA'),
    publicKey: keys.publicKey,
    issuerKey: root.privateKey,
    serial,
  });
  return { cert, key: keys.privateKey };
}

const rsa = signer(generateKeyPairSync('rsa', { modulusLength: 2048 }), 30);
const p256 = signer(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), 31);
const brainpool = signer(generateKeyPairSync('ec', { namedCurve: 'brainpoolP384r1' }), 32);

/** RSASSA-PSS with SHA3-256, MGF1 with SHA3-256 and a 32-byte salt (RFC 4055 3.1 parameters). */
const pssSha3: Scheme = {
  algId: seq(
    oid(OID.rsassaPss),
    seq(
      ctx(0, digestAlgId('SHA3-256')),
      ctx(1, seq(oid(OID.mgf1), digestAlgId('SHA3-256'))),
      ctx(2, int(32)),
    ),
  ),
  sign: (d, key) => sign('sha3-256', d, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
};

async function signed(
  s: { cert: Buffer; key: KeyObject },
  digestAlgorithm: Sha,
  scheme: Scheme,
  signedAttributes?: false,
) {
  return pdfWithCms(
    pki,
    base,
    (content) =>
      signedData({
        certificates: [s.cert],
        digestAlgorithms: [digestAlgorithm],
        signerInfos: [
          signerInfo({
            cert: s.cert,
            key: s.key,
            content,
            digestAlgorithm,
            scheme,
            ...(signedAttributes === false ? { signedAttributes } : {}),
          }),
        ],
      }),
    // CAdES requires signed attributes; a signature over the content itself is adbe.pkcs7.detached.
    signedAttributes === false ? { subFilter: 'adbe.pkcs7.detached' } : {},
  );
}

const verify = async (pdf: Uint8Array | string, extra: Partial<VerifyPdfOptions> = {}) => {
  const r = await verifyPdf(pdf, {
    anchors: [],
    at: AT,
    revocation: 'none',
    validatePath: trustAll,
    ...extra,
  });
  expect(r.signatures).toHaveLength(1);
  return r.signatures[0]!;
};

describe('SHA-3 digests and signature algorithms (FIPS 202, NIST CSOR OIDs)', () => {
  it.each([
    [
      'ECDSA P-256 with id-ecdsa-with-sha3-256',
      p256,
      'SHA3-256',
      schemes.ecdsa('SHA3-256'),
      'SHA3-256 with ECDSA',
    ],
    [
      'ECDSA brainpoolP384r1 with id-ecdsa-with-sha3-384',
      brainpool,
      'SHA3-384',
      schemes.ecdsa('SHA3-384'),
      'SHA3-384 with ECDSA',
    ],
    [
      'RSA with id-rsassa-pkcs1-v1_5-with-sha3-512',
      rsa,
      'SHA3-512',
      schemes.rsa('SHA3-512'),
      'SHA3-512 with RSA',
    ],
    [
      'RSASSA-PSS with SHA3-256 parameters',
      rsa,
      'SHA3-256',
      pssSha3,
      'RSASSA-PSS (SHA3-256, MGF1 SHA3-256, salt 32)',
    ],
  ] as const)('verifies %s', async (_, s, h, scheme, algorithm) => {
    const r = await verify(await signed(s, h, scheme));
    expect(r).toMatchObject({
      indication: 'TOTAL_PASSED',
      digestAlgorithm: h,
      signatureAlgorithm: algorithm,
    });
  });

  it('verifies RSA with SHA-3 without signed attributes (DigestInfo with the SHA-3 OID, RFC 8017 9.2)', async () => {
    const r = await verify(await signed(rsa, 'SHA3-256', schemes.rsa('SHA3-256'), false));
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', digestAlgorithm: 'SHA3-256' });
  });

  it('reports a changed document signed with SHA-3 as a hash failure, not as a policy refusal', async () => {
    const pdf = await signed(p256, 'SHA3-256', schemes.ecdsa('SHA3-256'));
    // A byte of the binary comment line after the header: signed, and irrelevant to parsing.
    pdf[12]! ^= 1;
    const r = await verify(pdf);
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
  });

  it('refuses SHA-3 as INDETERMINATE when a policy does not list it', async () => {
    const { 'SHA3-256': _, ...rest } = DEFAULT_CRYPTO_POLICY.digestAlgorithms;
    const r = await verify(await signed(p256, 'SHA3-256', schemes.ecdsa('SHA3-256')), {
      cryptoPolicy: { ...DEFAULT_CRYPTO_POLICY, digestAlgorithms: rest },
    });
    expect(r).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' });
  });

  it.each([
    'itext-sample-nistp256-sha3_256.pdf',
    'itext-sample-brainpoolP384r1-sha3_384.pdf',
    'itext-sample-rsa-sha3_256.pdf',
    'itext-sample-pss-sha3_256.pdf',
  ])('verifies the iText sample %s', async (file) => {
    const r = await verify(join(CORPUS, file), { at: new Date('2035-01-01T00:00:00Z') });
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.digestAlgorithm).toMatch(/^SHA3-/);
  });
});
