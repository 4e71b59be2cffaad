import { PdfDict, PdfString } from '../../../pdf/core/objects';
import { CHANGE_RULES, MODIFICATION_LEVELS } from '../../../pdf/verify/changes';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  addFieldWidget,
  append,
  editCatalog,
  editDict,
  expectAllowed,
  n,
  signFirst,
  signSecond,
  text,
  whiteBox,
} from './support/change-fixture';
import { appendUpdate, makePdf } from './support/corpus';
import { type FormPdf, makeFormPdf } from './support/form-pdf';
import { appendRevision } from './support/revisions';

jest.setTimeout(120_000);

let pki: TestPki;
let form: FormPdf;
let signed: Uint8Array;

beforeAll(async () => {
  pki = await createTestPki();
  form = await makeFormPdf();
  signed = await signFirst(pki, form.bytes);
});

describe('change analysis rule table', () => {
  it('keeps refused rules at OTHER and allowed rules below it, with a meaning for each', () => {
    for (const [id, rule] of Object.entries(CHANGE_RULES)) {
      expect({ id, other: rule.level === 'OTHER' }).toEqual({ id, other: !rule.allowed });
      expect(MODIFICATION_LEVELS).toContain(rule.level);
      expect(rule.meaning.length).toBeGreaterThan(10);
    }
  });
});

describe('change analysis: allowed changes after signing', () => {
  it('allows an /Info update at LTA_UPDATES level (INFO_UPDATE)', async () => {
    const s = await expectAllowed(pki, await appendUpdate(signed), 'INFO_UPDATE');
    expect(s.modificationLevel).toBe('LTA_UPDATES');
    expect(s.changeAnalysis?.revisions).toHaveLength(1);
  });

  it('allows a new XMP metadata stream in the catalog (XMP_UPDATE)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const xmp = e.stream(
        { Type: n('Metadata'), Subtype: n('XML') },
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"/>',
      );
      await editCatalog(e, (cat) => void cat.set('Metadata', xmp));
    });
    const s = await expectAllowed(pki, doc, 'XMP_UPDATE');
    expect(s.modificationLevel).toBe('LTA_UPDATES');
  });

  it('allows a /DSS with /VRI added for long-term validation (DSS_UPDATE)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const cert = e.stream({}, 'not-really-a-certificate');
      const vri = new PdfDict([['A'.repeat(40), new PdfDict([['Cert', [cert]]])]]);
      const dss = e.add(
        new PdfDict([
          ['Type', n('DSS')],
          ['Certs', [cert]],
          ['VRI', vri],
        ]),
      );
      await editCatalog(e, (cat) => void cat.set('DSS', dss));
    });
    const s = await expectAllowed(pki, doc, 'DSS_UPDATE');
    expect(s.modificationLevel).toBe('LTA_UPDATES');
    expect(s.changesAfterSigning.find((c) => c.rule === 'DSS_UPDATE')?.newObjects?.length).toBe(2);
  });

  it('allows an invisible document time-stamp field (DOC_TIMESTAMP_ADDED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const ts = e.add(
        new PdfDict([
          ['Type', n('DocTimeStamp')],
          ['Filter', n('Adobe.PPKLite')],
          ['SubFilter', n('ETSI.RFC3161')],
          ['ByteRange', [0, 0, 0, 0]],
          ['Contents', new PdfString(Buffer.alloc(8), true)],
        ]),
      );
      await addFieldWidget(e, form.acroForm, [
        ['FT', n('Sig')],
        ['T', text('Timestamp1')],
        ['V', ts],
        ['Rect', [0, 0, 0, 0]],
      ]);
    });
    const s = await expectAllowed(pki, doc, 'DOC_TIMESTAMP_ADDED');
    expect(s.modificationLevel).toBe('LTA_UPDATES');
  });

  it('allows a catalog /Version bump (VERSION_BUMP)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editCatalog(e, (cat) => void cat.set('Version', n('2.0'))),
    );
    await expectAllowed(pki, doc, 'VERSION_BUMP');
  });

  it('allows developer /Extensions in the catalog (EXTENSIONS_UPDATE)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editCatalog(e, (cat) => {
        const adbe = new PdfDict([
          ['BaseVersion', n('1.7')],
          ['ExtensionLevel', 8],
        ]);
        cat.set('Extensions', new PdfDict([['ADBE', adbe]]));
      }),
    );
    await expectAllowed(pki, doc, 'EXTENSIONS_UPDATE');
  });

  it('allows the AcroForm default appearance to change (ACROFORM_UPDATE)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.acroForm, (d) => void d.set('DA', text('/Helv 10 Tf 0 g'))),
    );
    await expectAllowed(pki, doc, 'ACROFORM_UPDATE');
  });

  it('allows /AcroForm /NeedAppearances to be set (NEED_APPEARANCES)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.acroForm, (d) => void d.set('NeedAppearances', true)),
    );
    const s = await expectAllowed(pki, doc, 'NEED_APPEARANCES');
    expect(s.modificationLevel).toBe('FORM_FILLING');
  });

  it('allows a new font in /AcroForm /DR that leaves the existing fonts alone (ACROFORM_DR)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const cour = e.add(
        new PdfDict([
          ['Type', n('Font')],
          ['Subtype', n('Type1')],
          ['BaseFont', n('Courier')],
        ]),
      );
      await editDict(e, form.acroForm, async (d) => {
        const dr = await e.dict(d.get('DR'));
        const fonts = await e.dict(dr.get('Font'));
        d.set('DR', dr.set('Font', fonts.set('Cour', cour)));
      });
    });
    await expectAllowed(pki, doc, 'ACROFORM_DR');
  });

  it('allows a later signature with its field and widget (SIGNATURE_FIELD_ADDED)', async () => {
    const doc = await signSecond(pki, signed, {
      appearance: { kind: 'text', documentNumber: 'Số: 15/QĐ-UBND' },
    });
    const s = await expectAllowed(pki, doc, 'SIGNATURE_FIELD_ADDED');
    expect(s.modificationLevel).toBe('FORM_FILLING');
    expect(s.changeAnalysis?.revisions.map((r) => r.revision)).toEqual([4]);
  });

  it('allows the empty signature field of the signed revision to be signed (SIGNATURE_FIELD_FILLED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const sig = e.add(
        new PdfDict([
          ['Type', n('Sig')],
          ['Filter', n('Adobe.PPKLite')],
          ['SubFilter', n('ETSI.CAdES.detached')],
          ['ByteRange', [0, 0, 0, 0]],
          ['Contents', new PdfString(Buffer.alloc(8), true)],
        ]),
      );
      const ap = whiteBox(e);
      await editDict(e, form.approval, (d) => void d.set('V', sig).set('AP', new PdfDict([['N', ap]])));
    });
    const s = await expectAllowed(pki, doc, 'SIGNATURE_FIELD_FILLED');
    expect(s.changesAfterSigning.find((c) => c.rule === 'SIGNATURE_FIELD_FILLED')?.field).toBe('Approval');
  });

  it('allows a filled field to re-use its own appearance streams (FIELD_APPEARANCE_UPDATED)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.filled, (d) => {
        const ap = d.get('AP') as PdfDict;
        d.set(
          'AP',
          new PdfDict([
            ['N', ap.get('D')!],
            ['D', ap.get('N')!],
          ]),
        );
      }),
    );
    const s = await expectAllowed(pki, doc, 'FIELD_APPEARANCE_UPDATED');
    expect(s.changesAfterSigning[0]).toMatchObject({ field: 'KyHieu', level: 'FORM_FILLING' });
  });

  it('allows an empty text field to be filled with a value and appearance (FORM_FIELD_FILLED)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.empty, (d) => {
        const ap = e.stream({ Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 200, 20] }, 'BT ET');
        d.set('V', text('16/QD-UBND')).set('AP', new PdfDict([['N', ap]]));
      }),
    );
    const s = await expectAllowed(pki, doc, 'FORM_FIELD_FILLED');
    expect(s.changesAfterSigning.map((c) => c.rule).sort()).toEqual([
      'FIELD_APPEARANCE_UPDATED',
      'FORM_FIELD_FILLED',
    ]);
    expect(s.modificationLevel).toBe('FORM_FILLING');
  });

  it('allows the structure tree to gain an element for an added widget (STRUCT_TREE_UPDATE)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const w = await addFieldWidget(e, form.acroForm, [
        ['FT', n('Sig')],
        ['T', text('Approval2')],
        ['Rect', [300, 200, 500, 260]],
        ['StructParent', 1],
      ]);
      const elem = e.add(
        new PdfDict([
          ['Type', n('StructElem')],
          ['S', n('Form')],
          [
            'K',
            new PdfDict([
              ['Type', n('OBJR')],
              ['Obj', w],
            ]),
          ],
        ]),
      );
      await append(e, form.structRoot, 'K', elem);
      await editDict(e, form.structRoot, (d) => void d.set('ParentTreeNextKey', 2));
      await append(e, form.parentTree, 'Nums', 1);
      await append(e, form.parentTree, 'Nums', elem);
    });
    const s = await expectAllowed(pki, doc, 'STRUCT_TREE_UPDATE');
    expect(s.changesAfterSigning.map((c) => c.rule)).toContain('SIGNATURE_FIELD_ADDED');
  });

  it('allows annotations under a DocMDP P=3 certification (ANNOTATION_ADDED)', async () => {
    const certified = await signFirst(pki, form.bytes, { certify: 3 });
    const doc = await appendRevision(certified, async (e) => {
      const page = (await e.r.pageRefs())[0]!;
      const box = whiteBox(e);
      const note = e.add(
        new PdfDict([
          ['Type', n('Annot')],
          ['Subtype', n('Square')],
          ['Rect', [72, 600, 372, 640]],
          ['AP', new PdfDict([['N', box]])],
        ]),
      );
      await append(e, page.num, 'Annots', note);
    });
    const s = await expectAllowed(pki, doc, 'ANNOTATION_ADDED');
    expect(s.modificationLevel).toBe('ANNOTATIONS');
    expect(s.changeAnalysis?.docMdp).toEqual({ permissions: 3, certifiedBy: 'Signature1' });
  });

  it('accounts for a new cross-reference stream (FILE_STRUCTURE)', async () => {
    const compact = await signFirst(pki, await makePdf({ objectStreams: true }));
    await expectAllowed(pki, await appendUpdate(compact), 'FILE_STRUCTURE');
  });

  it('allows new objects that nothing refers to (UNREFERENCED_OBJECTS)', async () => {
    const doc = await appendRevision(signed, (e) => void e.add(new PdfDict([['Orphan', true]])));
    const s = await expectAllowed(pki, doc, 'UNREFERENCED_OBJECTS');
    expect(s.modificationLevel).toBe('LTA_UPDATES');
  });
});
