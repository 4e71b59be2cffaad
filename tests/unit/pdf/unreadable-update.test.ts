import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { type VerifyPdfOptions, verifyPdf } from '../../../pdf';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makeCertificate, name, pdfWithCms, schemes, signedData, signerInfo } from './support/cms-builder';
import { makePdf } from './support/corpus';
import { trustAll } from './support/trust-all';

jest.setTimeout(120_000);

const CORPUS = join(__dirname, '../../conformance/pdf-corpus');

let pki: TestPki;
let signed: Buffer;
const root = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const cert = makeCertificate({
  subject: name('Update signer'),
  issuer: name('Test Root CA'),
  publicKey: keys.publicKey,
  issuerKey: root.privateKey,
  serial: 60,
});

beforeAll(async () => {
  pki = await createTestPki();
  signed = await pdfWithCms(pki, await makePdf(), (content) =>
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
  );
});

const verify = (pdf: Uint8Array | string, extra: Partial<VerifyPdfOptions> = {}) =>
  verifyPdf(pdf, {
    anchors: [],
    at: new Date('2026-03-01T00:00:00Z'),
    revocation: 'none',
    validatePath: trustAll,
    ...extra,
  });

/**
 * Appends an update (ISO 32000-1 7.5.6) whose cross-reference section sends the first page object and a new object
 * to the same `N 0 obj` header, as the hide shadow attack of DSS-2236 does: the page can no longer be read as itself.
 */
function redirectPage(pdf: Buffer): Buffer {
  const text = pdf.toString('latin1');
  const prev = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)![1]);
  const trailer = text.slice(text.lastIndexOf('trailer'));
  const size = Number(/\/Size (\d+)/.exec(trailer)![1]);
  const rootRef = /\/Root (\d+ 0 R)/.exec(trailer)![1];
  const page = Number(/(\d+) 0 obj\s*<<\/Type \/Page\//.exec(text)![1]);
  const at = pdf.length;
  const obj = `${size} 0 obj\n<</Type /XObject/Subtype /Form/BBox [0 0 10 10]>>\nendobj\n`;
  const entry = `${String(at).padStart(10, '0')} 00000 n\r\n`;
  const xrefAt = at + obj.length;
  const update =
    `${obj}xref\n0 1\n0000000000 65535 f\r\n${page} 1\n${entry}${size} 1\n${entry}` +
    `trailer\n<</Size ${size + 1}/Root ${rootRef}/Prev ${prev}>>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.concat([pdf, Buffer.from(update, 'latin1')]);
}

describe('a later revision that cannot be read as an update of the signed one', () => {
  it('leaves the signature intact and reports the update as a forbidden change', async () => {
    const r = await verify(redirectPage(signed));
    expect(r.signatures).toHaveLength(1);
    const s = r.signatures[0]!;
    expect(s).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'MODIFIED_AFTER_SIGNING',
      modificationLevel: 'OTHER',
    });
    expect(s.signerInfos[0]!.indication).toBe('TOTAL_PASSED');
    expect(s.messages[0]).toMatch(/later revision cannot be read/);
  });

  it('agrees with DSS on the hide shadow attack of DSS-2236: intact, modified', async () => {
    const r = await verify(join(CORPUS, 'dss-dss-2236-hide.pdf'), { at: new Date('2035-01-01T00:00:00Z') });
    expect(r.signatures[0]).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'MODIFIED_AFTER_SIGNING',
    });
    expect(r.signatures[0]!.signerInfos[0]!.indication).toBe('TOTAL_PASSED');
  });
});
