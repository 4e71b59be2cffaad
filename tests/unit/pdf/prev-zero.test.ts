import { type VerifyPdfOptions, signPdf, verifyPdf } from '../../../pdf';
import { PdfReader } from '../../../pdf/core/document';
import { bufferSource } from '../../../pdf/core/source';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { appendUpdate, makePdf } from './support/corpus';
import { PERSONAL_TIME } from './support/signing';

jest.setTimeout(120_000);

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

/** Rewrites the last /Prev of `bytes` (from offset `from`) as `/Prev 0`, keeping every offset. */
function prevZero(bytes: Uint8Array, from: number): Buffer {
  const out = Buffer.from(bytes);
  const tail = out.toString('latin1', from);
  const m = /\/Prev (\d+)/.exec(tail);
  if (!m) throw new Error('no /Prev in the update');
  out.write(`/Prev 0${' '.repeat(m[1]!.length - 1)}`, from + m.index, 'latin1');
  return out;
}

describe('an incremental update whose trailer says /Prev 0', () => {
  it('is read as the previous revision plus the update, with a structure warning', async () => {
    const plain = await makePdf();
    const bytes = prevZero(await appendUpdate(plain), plain.length);
    const r = await PdfReader.open(bufferSource(bytes));
    expect(r.sections).toHaveLength(2);
    expect(await r.pageRefs()).toHaveLength(2);
    expect(r.warnings.map((w) => w.code)).toContain('XREF_PREV_RECOVERED');
  });

  it('keeps an allowed update after a signature allowed, and a changed page refused', async () => {
    const opts: VerifyPdfOptions = { anchors: pki.anchors, at: pki.at, revocation: 'none' };
    const signed = await signPdf(await makePdf(), {
      signer: pki.personal.signer,
      signingTime: PERSONAL_TIME,
    });
    const info = prevZero(await appendUpdate(signed), signed.length);
    const content = prevZero(await appendUpdate(signed, { changeContent: true }), signed.length);
    const okReport = await verifyPdf(info, opts);
    expect(okReport.signatures.map((s) => s.subIndication ?? 'OK')).toEqual(['OK']);
    expect(okReport.structureWarnings?.map((w) => w.code)).toContain('XREF_PREV_RECOVERED');
    const bad = await verifyPdf(content, opts);
    expect(bad.signatures.map((s) => s.subIndication)).toEqual(['MODIFIED_AFTER_SIGNING']);
  });
});
