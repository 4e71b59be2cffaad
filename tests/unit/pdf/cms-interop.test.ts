import { type KeyObject, generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { type VerifyPdfOptions, verifyPdf } from '../../../pdf';
import { oid, seq } from '../../../pdf/cms/der';
import { OID } from '../../../pdf/cms/oids';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  type Hash,
  type Scheme,
  attribute,
  makeCertificate,
  name,
  pdfWithCms,
  schemes,
  signedData,
  signerInfo,
  standardAttributes,
} from './support/cms-builder';
import { makePdf } from './support/corpus';
import { AT, trustAll } from './support/trust-all';

jest.setTimeout(120_000);

const CORPUS = join(__dirname, '../../conformance/pdf-corpus');
const CORPUS_TIME = new Date('2035-01-01T00:00:00Z');

let pki: TestPki;
let base: Uint8Array;
const root = generateKeyPairSync('rsa', { modulusLength: 2048 });

beforeAll(async () => {
  pki = await createTestPki();
  base = await makePdf();
});

function signer(keys: { publicKey: KeyObject; privateKey: KeyObject }, serial: number) {
  const cert = makeCertificate({
    subject: name(`Interop signer ${serial}`),
    issuer: name('Test Root CA'),
    publicKey: keys.publicKey,
    issuerKey: root.privateKey,
    serial,
  });
  return { cert, key: keys.privateKey };
}

const p256 = signer(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), 50);

/**
 * A signed PDF; `wrap` may alter the CMS before it goes into /Contents, `attributes` replace the standard signed
 * attributes (given the standard ones over the content).
 */
function signed(
  s: { cert: Buffer; key: KeyObject },
  digestAlgorithm: Hash,
  scheme: Scheme,
  wrap: (cms: Buffer) => Buffer = (cms) => cms,
  attributes?: (standard: Buffer[]) => Buffer[],
) {
  return pdfWithCms(pki, base, (content) =>
    wrap(
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
            ...(attributes
              ? { signedAttributes: attributes(standardAttributes(content, digestAlgorithm, s.cert)) }
              : {}),
          }),
        ],
      }),
    ),
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
  expect(r.signatures.length).toBeGreaterThan(0);
  return r.signatures[0]!;
};

describe('data after the CMS in /Contents', () => {
  it('verifies a signature whose /Contents holds other bytes after the CMS, and says they were ignored', async () => {
    const junk = Buffer.from('JUVYS4L+8S3hhDRPjwf+8PPlwaUHE7Zc', 'latin1');
    const r = await verify(
      await signed(p256, 'SHA-256', schemes.ecdsa('SHA-256'), (cms) => Buffer.concat([cms, junk])),
    );
    expect(r.indication).toBe('TOTAL_PASSED');
    expect(r.messages).toContain(
      `${junk.length} bytes other than zero padding follow the CMS in /Contents (ignored: nothing signs them)`,
    );
  });

  it('verifies the Microsoft Word signature of DSS-2155.pdf (DSS accepts it)', async () => {
    const r = await verify(join(CORPUS, 'dss-DSS-2155.pdf'), { at: CORPUS_TIME });
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', coversWholeDocument: true });
  });

  it('verifies the signature of pdf-removed-pages.pdf and reports the removed pages as forbidden', async () => {
    const r = await verify(join(CORPUS, 'dss-pdf-removed-pages.pdf'), { at: CORPUS_TIME });
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'MODIFIED_AFTER_SIGNING' });
    expect(r.signerInfos[0]!.indication).toBe('TOTAL_PASSED');
    expect(r.changesAfterSigning).toContainEqual(
      expect.objectContaining({ rule: 'PAGES_ADDED_OR_REMOVED', allowed: false }),
    );
  });
});

describe('EdDSA message digest pairing (RFC 8419 2.3)', () => {
  const ed448 = signer(generateKeyPairSync('ed448'), 51);
  const ed25519 = signer(generateKeyPairSync('ed25519'), 52);

  it('refuses Ed448 with a message digest other than SHAKE256 as INDETERMINATE, the signature itself intact', async () => {
    const r = await verify(await signed(ed448, 'SHA-512', schemes.ed448()));
    expect(r).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' });
    expect(r.messages[0]).toBe('Ed448 requires the SHAKE256 message digest (RFC 8419 2.3), not SHA-512');
  });

  it('refuses Ed25519 with a message digest other than SHA-512', async () => {
    const r = await verify(await signed(ed25519, 'SHA-256', schemes.ed25519()));
    expect(r).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' });
  });

  it('still reports a changed document as a hash failure when the pairing is also wrong', async () => {
    const pdf = await signed(ed448, 'SHA-512', schemes.ed448());
    pdf[12]! ^= 1;
    expect(await verify(pdf)).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
  });

  it('agrees with pyHanko on ed448-disallowed-hash.pdf and verifies its SHAKE256 sibling', async () => {
    const bad = await verify(join(CORPUS, 'pyhanko-ed448-disallowed-hash.pdf'), { at: CORPUS_TIME });
    expect(bad).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' });
    const good = await verify(join(CORPUS, 'pyhanko-ed448-shake256-nolen.pdf'), { at: CORPUS_TIME });
    expect(good.indication).toBe('TOTAL_PASSED');
  });
});

describe('plain ECDSA signature values (BSI TR-03111 5.2.1)', () => {
  const brainpool = signer(generateKeyPairSync('ec', { namedCurve: 'brainpoolP256r1' }), 53);
  const plain = (encoding: 'ieee-p1363' | 'der'): Scheme => ({
    algId: seq(oid(OID.ecdsaPlainSha256)),
    sign: (d, key) => sign('sha256', d, { key, dsaEncoding: encoding }),
  });

  it('verifies ecdsa-plain-SHA256 (r || s) on brainpoolP256r1', async () => {
    const r = await verify(await signed(brainpool, 'SHA-256', plain('ieee-p1363')));
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', signatureAlgorithm: 'SHA-256 with plain ECDSA' });
  });

  it('fails a DER Ecdsa-Sig-Value under the plain OID, and a plain value under ecdsa-with-SHA256', async () => {
    const der = await verify(await signed(brainpool, 'SHA-256', plain('der')));
    expect(der).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' });
    const mislabelled: Scheme = { ...schemes.ecdsa('SHA-256'), sign: plain('ieee-p1363').sign };
    const r = await verify(await signed(brainpool, 'SHA-256', mislabelled));
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' });
  });

  it('agrees with DSS on the TeleSec plain-ECDSA file: intact', async () => {
    const r = await verify(join(CORPUS, 'dss-dss-PLAIN-ECDSA-TeleSec_PKS_eIDAS_QES_CA_1-baseline-b.pdf'), {
      at: CORPUS_TIME,
    });
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', signatureAlgorithm: 'SHA-256 with plain ECDSA' });
  });
});

describe('repeated signed attributes (RFC 5652 11)', () => {
  const APP = '1.3.6.1.4.1.22883.1';

  it('accepts a signing application attribute that appears twice, as OpenLimit writes it', async () => {
    const r = await verify(
      await signed(p256, 'SHA-256', schemes.ecdsa('SHA-256'), undefined, (std) => [
        ...std,
        attribute(APP, oid('1.3.6.1.4.1.22883.1.1')),
        attribute(APP, oid('1.3.6.1.4.1.22883.1.2')),
      ]),
    );
    expect(r.indication).toBe('TOTAL_PASSED');
  });

  it('refuses a second message-digest attribute as FORMAT_FAILURE', async () => {
    const r = await verify(
      await signed(p256, 'SHA-256', schemes.ecdsa('SHA-256'), undefined, (std) => [...std, std[1]!]),
    );
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' });
    expect(r.messages[0]).toMatch(/duplicate signed attribute 1\.2\.840\.113549\.1\.9\.4/);
  });
});
