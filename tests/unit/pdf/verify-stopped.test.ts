import { verifyPdf } from '../../../pdf';
import { PdfError } from '../../../pdf/core/errors';
import * as signatureModule from '../../../pdf/verify/verify-signature';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { signTwice } from './support/signing';

jest.setTimeout(120_000);

jest.mock('../../../pdf/verify/verify-signature', () => {
  const actual = jest.requireActual<typeof signatureModule>('../../../pdf/verify/verify-signature');
  return { ...actual, verifySignature: jest.fn(actual.verifySignature) };
});
const verifySignature = jest.mocked(signatureModule.verifySignature);

let pki: TestPki;
let two: Uint8Array;

beforeAll(async () => {
  pki = await createTestPki();
  ({ two } = await signTwice(pki, await makePdf()));
});

const verify = (bytes: Uint8Array) =>
  verifyPdf(bytes, { anchors: pki.anchors, at: pki.at, revocation: 'none' });

describe('verifyPdf when the verification of one signature stops on an unforeseen error', () => {
  it('reports that signature INDETERMINATE with the reason and verifies the others', async () => {
    verifySignature.mockRejectedValueOnce(new TypeError('unforeseen structure'));
    const r = await verify(two);
    expect(r.signatures.map((s) => [s.indication, s.subIndication])).toEqual([
      ['INDETERMINATE', 'FORMAT_FAILURE'],
      ['TOTAL_PASSED', undefined],
    ]);
    expect(r.signatures[0]!.messages.join()).toContain('TypeError: unforeseen structure');
    expect(r.valid).toBe(false);
  });

  it('still throws when the file cannot be read (IO_ERROR)', async () => {
    verifySignature.mockRejectedValueOnce(new PdfError('IO_ERROR', 'disk gone'));
    await expect(verify(two)).rejects.toMatchObject({ code: 'IO_ERROR' });
  });
});
