import { signPdf, verifyPdf } from '../../../pdf';
import { PdfReader } from '../../../pdf/core/document';
import { type PdfDict, PdfRef } from '../../../pdf/core/objects';
import { serialize } from '../../../pdf/core/serialize';
import { bufferSource } from '../../../pdf/core/source';
import { findSignatures } from '../../../pdf/verify/find-signatures';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import {
  type HandObject,
  appendRevision,
  basicObjects,
  buildPdf,
  formInObjectStream,
  qpdfCheck,
  scratchFile,
} from './support/handmade';
import { PERSONAL_TIME } from './support/signing';
import { nssDbWithRoot, pdfsig, tempDir } from './support/tools';

jest.setTimeout(120_000);

describe('signatures in every revision', () => {
  let pki: TestPki;
  let signed: Buffer;
  let db: string;

  beforeAll(async () => {
    pki = await createTestPki();
    signed = Buffer.from(
      await signPdf(await makePdf(), { signer: pki.personal.signer, signingTime: PERSONAL_TIME }),
    );
    db = nssDbWithRoot(tempDir('lienthong-nss-'), pki.root.certificate);
  });

  const verify = (bytes: Uint8Array) =>
    verifyPdf(bytes, { anchors: pki.anchors, at: pki.at, revocation: 'none' });

  const discover = async (bytes: Uint8Array) => {
    const src = bufferSource(bytes);
    return findSignatures(src, await PdfReader.open(src, { recover: true }));
  };

  const pdfsigOn = (bytes: Uint8Array) => pdfsig(db, scratchFile(bytes));

  /** Appends an update made of the objects `edit` returns for the signed file's reader. */
  async function update(
    bytes: Buffer,
    edit: (r: PdfReader, next: number) => Promise<HandObject[]>,
    how: { brokenXref?: boolean; noXref?: boolean } = {},
  ): Promise<Buffer> {
    const r = await PdfReader.open(bufferSource(bytes));
    const root = r.trailer.get('Root') as PdfRef;
    const objects = await edit(r, r.size);
    return appendRevision(bytes, objects, { root: root.num, prev: r.startXref, size: r.size, ...how });
  }

  /** The catalog rewritten by `change`, as an object of the update. */
  async function catalogWith(r: PdfReader, change: (d: PdfDict) => void): Promise<HandObject> {
    const cat = (await r.catalog()).clone();
    change(cat);
    return { num: (r.trailer.get('Root') as PdfRef).num, body: serialize(cat) };
  }

  it('finds a signature whose later revision removed /AcroForm and fails it as modified', async () => {
    const hidden = await update(signed, async (r) => [await catalogWith(r, (c) => c.map.delete('AcroForm'))]);
    expect(qpdfCheck(hidden).status).toBe(0);
    // poppler still finds it (through the page's widget annotation) and says it does not cover the whole file.
    expect(pdfsigOn(hidden)).toEqual([expect.objectContaining({ valid: true, total: false })]);
    const found = await discover(hidden);
    expect(found.signatures).toHaveLength(1);
    expect(found.signatures[0]!.referencedAtEnd).toBe(false);
    expect(found.signatures[0]!.referenceChanges.map((c) => c.kind)).toEqual(['acroform-removed']);
    const report = await verify(hidden);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.subIndication).toBe('MODIFIED_AFTER_SIGNING');
    expect(report.valid).toBe(false);
  });

  it("reports a later revision that removes a signature field's /V", async () => {
    const cleared = await update(signed, async (r) => {
      const field = (await r.fields()).find((f) => f.ft === 'Sig')!;
      const dict = field.dict.clone();
      dict.map.delete('V');
      return [{ num: field.ref!.num, body: serialize(dict) }];
    });
    const found = await discover(cleared);
    expect(found.signatures).toHaveLength(1);
    expect(found.signatures[0]!.referenceChanges).toEqual([
      expect.objectContaining({ kind: 'value-removed', field: found.signatures[0]!.fieldNames[0] }),
    ]);
    expect((await verify(cleared)).signatures[0]!.subIndication).toBe('MODIFIED_AFTER_SIGNING');
  });

  it('reports one CMS named by two fields as one signature naming both', async () => {
    const twice = await update(signed, async (r, next) => {
      const field = (await r.fields()).find((f) => f.ft === 'Sig')!;
      const v = field.dict.get('V') as PdfRef;
      const cat = await r.catalog();
      const formRef = cat.get('AcroForm');
      const form = (await r.resolveDict(formRef))!.clone();
      form.set('Fields', [...((await r.resolve(form.get('Fields'))) as PdfRef[]), new PdfRef(next, 0)]);
      const copy = {
        num: next,
        body: `<</FT/Sig/T(copy)/V ${v.num} ${v.gen} R/Subtype/Widget/Rect[0 0 0 0]>>`,
      };
      if (formRef instanceof PdfRef) return [copy, { num: formRef.num, body: serialize(form) }];
      return [copy, await catalogWith(r, (c) => c.set('AcroForm', form))];
    });
    const found = await discover(twice);
    expect(found.signatures).toHaveLength(1);
    expect(found.signatures[0]!.fieldNames).toHaveLength(2);
    expect(found.signatures[0]!.fieldNames[1]).toBe('copy');
    const report = await verify(twice);
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.fieldNames).toEqual(found.signatures[0]!.fieldNames);
  });

  it('refuses a signature dictionary with two /Contents as malformed instead of taking the last', async () => {
    const text = signed.toString('latin1');
    const at = text.indexOf('/Filter/Adobe.PPKLite');
    expect(at).toBeGreaterThan(0);
    const dup = Buffer.from(signed);
    dup.write('/Contents<0000000000>', at, 'latin1');
    const found = await discover(dup);
    expect(found.signatures[0]!.malformed).toEqual([expect.stringContaining('/Contents more than once')]);
    const report = await verify(dup);
    expect(report.signatures[0]!.subIndication).toBe('FORMAT_FAILURE');
    expect(report.signatures[0]!.messages[0]).toMatch(/Contents more than once/);
    // pdfsig does not say the altered file is valid either.
    expect(pdfsigOn(dup).some((s) => s.valid)).toBe(false);
  });

  const pageContentChange = async (r: PdfReader, next: number): Promise<HandObject[]> => {
    const pageRef = (await r.pageRefs())[0]!;
    const page = (await r.resolveDict(pageRef))!.clone();
    page.set('Contents', new PdfRef(next, 0));
    const content = 'BT /F1 24 Tf 72 500 Td (Inserted after signing) Tj ET';
    return [
      { num: next, body: `<</Length ${content.length}>>\nstream\n${content}\nendstream` },
      { num: pageRef.num, body: serialize(page) },
    ];
  };

  // qpdf recovers the broken update with warnings (3) but, like other strict readers, does not see objects appended
  // without an xref at all (0): that blindness is what the attack relies on.
  it.each([
    ['an update whose xref is broken', { brokenXref: true }, 3],
    ['objects appended without any xref', { noXref: true }, 0],
  ])('detects a page change hidden in %s (incremental saving attack)', async (_, how, qpdfStatus) => {
    const attacked = await update(signed, pageContentChange, how);
    expect(qpdfCheck(attacked).status).toBe(qpdfStatus);
    const sig = pdfsigOn(attacked);
    expect(sig.every((s) => !s.total)).toBe(true);
    const report = await verify(attacked);
    expect(report.structureWarnings?.map((w) => w.code)).toContain('XREF_RECONSTRUCTED');
    expect(report.signatures).toHaveLength(1);
    expect(report.signatures[0]!.coversWholeDocument).toBe(false);
    expect(report.signatures[0]!.subIndication).toBe('MODIFIED_AFTER_SIGNING');
  });

  it('reads an update whose startxref keyword is damaged instead of stopping at the revision before it', async () => {
    const updated = await update(signed, pageContentChange);
    const at = updated.lastIndexOf('startxref');
    const damaged = Buffer.from(updated);
    damaged.write('startxreX', at, 'latin1');
    // qpdf falls back to the previous startxref and never sees the page change; we read the update and flag it.
    expect(qpdfCheck(damaged).status).not.toBe(2);
    const report = await verify(damaged);
    expect(report.structureWarnings?.map((w) => w.code)).toContain('XREF_RECONSTRUCTED');
    expect(report.signatures[0]!.subIndication).toBe('MODIFIED_AFTER_SIGNING');
  });

  it.each([
    ['a /Prev 0', { trailerExtra: '/Prev 0' }],
    ['object offsets two bytes short', { offsetDelta: -2 }],
    ['carriage returns only', { eol: '\r' }],
    ['a hybrid-reference xref', { xref: 'hybrid' as const, objStms: formInObjectStream().objStms }],
  ])('signs and verifies a file with %s, and pdfsig agrees', async (_, odd) => {
    const base = buildPdf({ objects: basicObjects(), root: 1, ...odd }).bytes;
    const out = Buffer.from(await signPdf(base, { signer: pki.personal.signer, signingTime: PERSONAL_TIME }));
    expect(qpdfCheck(out).status).not.toBe(2);
    const report = await verify(out);
    expect(report.signatures.map((s) => [s.valid, s.coversWholeDocument])).toEqual([[true, true]]);
    expect(pdfsigOn(out).map((s) => [s.valid, s.total])).toEqual([[true, true]]);
  });

  it('verifies an untouched signed file without structural warnings', async () => {
    const report = await verify(signed);
    expect(report.valid).toBe(true);
    expect(report.structureWarnings).toEqual([]);
    expect(pdfsigOn(signed).map((s) => s.valid)).toEqual([true]);
  });
});
