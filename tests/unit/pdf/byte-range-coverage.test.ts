import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { type VerifyPdfOptions, verifyPdf } from '../../../pdf';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makeCertificate, name, pdfWithCms, schemes, signedData, signerInfo } from './support/cms-builder';
import { makePdf } from './support/corpus';
import { AT, trustAll } from './support/trust-all';

jest.setTimeout(120_000);

const CORPUS = join(__dirname, '../../conformance/pdf-corpus');

let pki: TestPki;
let base: Uint8Array;
const root = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const cert = makeCertificate({
  subject: name('Coverage signer'),
  issuer: name('Test Root CA'),
  publicKey: keys.publicKey,
  issuerKey: root.privateKey,
  serial: 40,
});

beforeAll(async () => {
  pki = await createTestPki();
  base = await makePdf();
});

/** A PDF whose signature's /ByteRange is `byteRange(standard)` and whose CMS signs exactly the bytes it names. */
const signedWith = (byteRange?: (s: [number, number, number, number]) => number[]) =>
  pdfWithCms(
    pki,
    base,
    (content) =>
      signedData({
        certificates: [cert],
        digestAlgorithms: ['SHA-256'],
        signerInfos: [
          signerInfo({
            cert,
            key: keys.privateKey,
            content,
            digestAlgorithm: 'SHA-256',
            scheme: schemes.ecdsa('SHA-256'),
          }),
        ],
      }),
    byteRange ? { byteRange } : {},
  );

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

describe('ByteRange coverage (ISO 32000-1 12.8.1; pyHanko NONSTANDARD_COVERAGE)', () => {
  it('passes the standard coverage, and one that leaves out only the end-of-line after %%EOF', async () => {
    expect(await verify(await signedWith())).toMatchObject({
      indication: 'TOTAL_PASSED',
      coversWholeDocument: true,
    });
    const pdf = await signedWith();
    expect(pdf.subarray(-6).toString('latin1')).toBe('%%EOF\n');
    const noEol = await verify(await signedWith(([a, b, c, d]) => [a, b, c, d - 1]));
    expect(noEol.indication).toBe('TOTAL_PASSED');
  });

  it.each([
    ['a tail inside the signed revision left unsigned', ([a, b, c, d]: number[]) => [a!, b!, c!, d! - 40]],
    ['a gap larger than /Contents', ([a, b, c, d]: number[]) => [a!, b! - 12, c!, d!]],
    ['one range only', ([, b]: number[]) => [0, b!]],
    ['ranges that have nothing to do with /Contents', () => [0, 10, 20, 30]],
    ['three ranges', ([a, b, c, d]: number[]) => [a!, b!, c!, 10, c! + 20, d! - 20]],
    ['a start after byte 0', ([, b, c, d]: number[]) => [1, b! - 1, c!, d!]],
  ])('reports %s as a forbidden change of an intact signature', async (_, byteRange) => {
    const r = await verify(await signedWith(byteRange));
    expect(r).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'MODIFIED_AFTER_SIGNING',
      coversWholeDocument: false,
      modificationLevel: 'OTHER',
    });
    expect(r.messages[0]).toMatch(/does not cover the document/);
    // The CMS itself verified over the bytes named.
    expect(r.signerInfos[0]).toMatchObject({ indication: 'TOTAL_PASSED' });
  });

  it('keeps a broken hash as the deciding finding when the coverage is also anomalous', async () => {
    const pdf = await signedWith(([a, b, c, d]) => [a, b - 12, c, d]);
    pdf[12]! ^= 1;
    const r = await verify(pdf);
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
    expect(r.messages.join(' ')).toMatch(/does not cover the document/);
  });

  it.each([
    ['ranges beyond the end of the file', ([a, b, c, d]: number[]) => [a!, b!, c!, d! + 100]],
    ['overlapping ranges', ([a, b, , d]: number[]) => [a!, b!, b! - 5, d!]],
    ['an odd count of numbers', ([a, b, c]: number[]) => [a!, b!, c!]],
  ])('refuses %s as FORMAT_FAILURE: what is signed cannot be named', async (_, byteRange) => {
    const r = await verify(await signedWith(byteRange));
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'FORMAT_FAILURE' });
  });

  it.each([
    'pyhanko-coverage-anomalies-tail-uncovered.pdf',
    'pyhanko-coverage-anomalies-signature-gap-too-big.pdf',
    'pyhanko-coverage-anomalies-one-byterange.pdf',
    'pyhanko-coverage-anomalies-weird-byterange.pdf',
  ])('agrees with pyHanko on %s: intact, coverage not acceptable', async (file) => {
    const r = await verify(join(CORPUS, file), { at: new Date('2035-01-01T00:00:00Z') });
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'MODIFIED_AFTER_SIGNING' });
    expect(r.signerInfos[0]!.indication).toBe('TOTAL_PASSED');
  });
});
