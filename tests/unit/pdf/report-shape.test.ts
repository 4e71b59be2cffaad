import { INDICATIONS, SUB_INDICATIONS, signPdf, verifyPdf } from '../../../pdf';
import { PdfReader } from '../../../pdf/core/document';
import { PdfDict, PdfName, PdfRef, PdfString } from '../../../pdf/core/objects';
import { bufferSource } from '../../../pdf/core/source';
import { SectionWriter } from '../../../pdf/sign/section-writer';
import { Verdict, worstIndication } from '../../../pdf/verify/verdict';
import { createTestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { ORGANISATION_TIME } from './support/signing';

jest.setTimeout(120_000);

/** Adds, in an incremental update, a second signature field whose /V is the first field's signature dictionary. */
async function addFieldSharingSignature(bytes: Uint8Array, fieldName: string): Promise<Buffer> {
  const r = await PdfReader.open(bufferSource(bytes));
  const sigField = (await r.fields()).find((f) => f.ft === 'Sig')!;
  const w = new SectionWriter(bytes.length, bytes[bytes.length - 1] === 0x0a);
  let next = r.size;
  const field = new PdfRef(next++, 0);
  w.object(
    field.num,
    0,
    new PdfDict([
      ['FT', new PdfName('Sig')],
      ['T', new PdfString(Buffer.from(fieldName, 'latin1'), false)],
      ['V', sigField.dict.get('V')!],
    ]),
  );
  const root = r.trailer.get('Root') as PdfRef;
  const catalog = (await r.catalog()).clone();
  const formValue = catalog.get('AcroForm')!;
  const form = (await r.resolveDict(formValue))!.clone();
  form.set('Fields', [...((await r.resolve(form.get('Fields'))) as PdfRef[]), field]);
  if (formValue instanceof PdfRef) w.object(formValue.num, formValue.gen, form);
  else w.object(root.num, root.gen, catalog.set('AcroForm', form));
  const xrefNum = r.sections[0]!.kind === 'stream' ? next++ : undefined;
  const trailer = SectionWriter.trailerEntries(r.trailer, next, r.startXref, root);
  const section = xrefNum === undefined ? w.finishWithTable(trailer) : w.finishWithStream(trailer, xrefNum);
  return Buffer.concat([bytes, section]);
}

describe('report shape', () => {
  it('reports one CMS referenced by two fields once, naming both fields', async () => {
    const pki = await createTestPki();
    const signed = await signPdf(await makePdf(), {
      signer: pki.organisation.signer,
      signingTime: ORGANISATION_TIME,
      fieldName: 'Seal',
    });
    const doc = await addFieldSharingSignature(signed, 'SealCopy');
    const r = await verifyPdf(doc, { anchors: pki.anchors, crls: [pki.crl, pki.rootCrl], at: pki.at });
    expect(r.signatures).toHaveLength(1);
    expect(r.signatures[0]!).toMatchObject({ fieldName: 'Seal', fieldNames: ['Seal', 'SealCopy'] });
  });

  it('lists every sub-indication with the main indications it may accompany (ETSI EN 319 102-1 5.1.3)', () => {
    for (const [sub, allowed] of Object.entries(SUB_INDICATIONS)) {
      expect(allowed.length).toBeGreaterThan(0);
      for (const i of allowed) expect(INDICATIONS).toContain(i);
      expect(allowed).not.toContain('TOTAL_PASSED');
      expect(sub).toMatch(/^[A-Z_]+$/);
    }
    // The crypto-constraints family never sits under TOTAL_FAILED: refusing an algorithm is not a forgery.
    expect(SUB_INDICATIONS.CRYPTO_CONSTRAINTS_FAILURE).toEqual(['INDETERMINATE']);
    expect(SUB_INDICATIONS.CRYPTO_CONSTRAINTS_FAILURE_NO_POE).toEqual(['INDETERMINATE']);
  });

  it('keeps the worst indication, the sub-indication of the first finding at that level, and its message first', () => {
    const v = new Verdict();
    v.fail('INDETERMINATE', 'CRYPTO_CONSTRAINTS_FAILURE', 'SHA-1');
    v.fail('TOTAL_FAILED', 'HASH_FAILURE', 'digest');
    v.fail('TOTAL_FAILED', 'SIG_CRYPTO_FAILURE', 'value');
    v.fail('INDETERMINATE', 'TRY_LATER', 'crl');
    v.note('a remark');
    expect([v.indication, v.subIndication]).toEqual(['TOTAL_FAILED', 'HASH_FAILURE']);
    expect(v.messages).toEqual(['digest', 'SHA-1', 'value', 'crl', 'a remark']);
    expect(worstIndication(['TOTAL_PASSED', 'INDETERMINATE'])).toBe('INDETERMINATE');
    expect(worstIndication([])).toBe('INDETERMINATE');
  });
});
