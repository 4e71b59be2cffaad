import { PdfReader } from '../../../pdf/core/document';
import { PdfDict, PdfRef, PdfString } from '../../../pdf/core/objects';
import { bufferSource } from '../../../pdf/core/source';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  addFieldWidget,
  analyse,
  append,
  editCatalog,
  editDict,
  expectAllowed,
  expectRefused,
  n,
  reportOf,
  signFirst,
  signSecond,
  text,
  whiteBox,
} from './support/change-fixture';
import { appendUpdate } from './support/corpus';
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

const refusedRules = (a: { changes: { allowed: boolean; rule: string }[] }) =>
  a.changes.filter((c) => !c.allowed).map((c) => c.rule);

describe('change analysis: refused changes after signing', () => {
  it('judges a trailer /Root moved to a new copy of the catalog by what the copy changes', async () => {
    const copy = (edit?: (cat: PdfDict) => void) =>
      appendRevision(signed, async (e) => {
        const cat = await e.dict(e.r.trailer.get('Root'));
        edit?.(cat);
        e.trailer.set('Root', e.add(cat));
      });
    await expectAllowed(pki, await copy(), 'CATALOG_COPIED');
    const [page] = await (await PdfReader.open(bufferSource(signed))).pageRefs();
    await expectRefused(
      pki,
      await copy((cat) => void cat.set('OpenAction', [page!, n('Fit')])),
      'CATALOG_CHANGED',
    );
  });

  it('refuses a trailer /Root moved to an object that is not a new copy (ROOT_REPLACED)', async () => {
    // The old catalog redefined at the same time: one object would be judged as both catalogs.
    const redefined = await appendRevision(signed, async (e) => {
      const root = e.r.trailer.get('Root') as PdfRef;
      const cat = await e.dict(root);
      e.trailer.set('Root', e.add(cat.clone()));
      e.set(root.num, cat.clone().set('PageMode', n('UseOutlines')));
    });
    await expectRefused(pki, redefined, 'ROOT_REPLACED');
    // An existing object (the /Info dictionary) turned into the catalog.
    const reused = await appendRevision(signed, async (e) => {
      const info = e.r.trailer.get('Info') as PdfRef;
      e.set(info.num, await e.dict(e.r.trailer.get('Root')));
      e.trailer.set('Root', info);
    });
    await expectRefused(pki, reused, 'ROOT_REPLACED');
  });

  it('refuses a catalog /OpenAction added after signing (CATALOG_CHANGED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const [page] = await e.r.pageRefs();
      await editCatalog(e, (cat) => void cat.set('OpenAction', [page!, n('Fit')]));
    });
    await expectRefused(pki, doc, 'CATALOG_CHANGED');
  });

  it('refuses an XFA form added to the AcroForm (ACROFORM_CHANGED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const xfa = e.stream({}, '<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"/>');
      await editDict(e, form.acroForm, (d) => void d.set('XFA', xfa));
    });
    await expectRefused(pki, doc, 'ACROFORM_CHANGED');
  });

  it('refuses a later revision that removes /AcroForm, though the signature is gone from it (ACROFORM_CHANGED)', async () => {
    const doc = await appendRevision(signed, (e) => editCatalog(e, (cat) => void cat.map.delete('AcroForm')));
    const a = await analyse(signed, doc);
    expect(refusedRules(a)).toEqual(['ACROFORM_CHANGED']);
    expect(a.modificationLevel).toBe('OTHER');
  });

  it('refuses a new text field (FIELD_ADDED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      await addFieldWidget(e, form.acroForm, [
        ['FT', n('Tx')],
        ['T', text('SoTien')],
        ['Rect', [72, 500, 272, 520]],
      ]);
    });
    await expectRefused(pki, doc, 'FIELD_ADDED');
  });

  it('refuses a field removed from /Fields (FIELD_REMOVED)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.acroForm, (d) => {
        const fields = d.get('Fields') as PdfRef[];
        d.set(
          'Fields',
          fields.filter((f) => f.num !== form.filled),
        );
      }),
    );
    await expectRefused(pki, doc, 'FIELD_REMOVED');
  });

  it('refuses a field moved on the page (FIELD_CHANGED)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.empty, (d) => void d.set('Rect', [72, 100, 272, 120])),
    );
    await expectRefused(pki, doc, 'FIELD_CHANGED');
  });

  it('refuses an appearance given to the signed field, and a rewritten signature dictionary (SIGNATURE_DICTIONARY_ALTERED)', async () => {
    const sigField = (await analyseFieldRefs(signed)).Signature1!;
    const doc = await appendRevision(signed, (e) =>
      editDict(e, sigField.field, (d) => void d.set('AP', new PdfDict([['N', whiteBox(e)]]))),
    );
    await expectRefused(pki, doc, 'SIGNATURE_DICTIONARY_ALTERED');
    const rewritten = await appendRevision(signed, (e) =>
      editDict(e, sigField.sig, (d) => void d.set('Reason', new PdfString(Buffer.from('Đã sửa'), false))),
    );
    expect(refusedRules(await analyse(signed, rewritten))).toEqual(['SIGNATURE_DICTIONARY_ALTERED']);
  });

  it('refuses new page content (PAGE_CONTENT_CHANGED)', async () => {
    await expectRefused(pki, await appendUpdate(signed, { changeContent: true }), 'PAGE_CONTENT_CHANGED');
  });

  it('refuses a rotated page (PAGE_CHANGED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const [page] = await e.r.pageRefs();
      await editDict(e, page!.num, (d) => void d.set('Rotate', 90));
    });
    await expectRefused(pki, doc, 'PAGE_CHANGED');
  });

  it('refuses a page added to the page tree (PAGES_ADDED_OR_REMOVED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const pagesRef = (await e.dict(e.r.trailer.get('Root'))).get('Pages') as PdfRef;
      const page = e.add(
        new PdfDict([
          ['Type', n('Page')],
          ['Parent', pagesRef],
          ['MediaBox', [0, 0, 595, 842]],
        ]),
      );
      await editDict(
        e,
        pagesRef.num,
        (d) => void d.set('Kids', [...(d.get('Kids') as PdfRef[]), page]).set('Count', 3),
      );
    });
    const s = await expectRefused(pki, doc, 'PAGES_ADDED_OR_REMOVED');
    expect(s.changesAfterSigning.filter((c) => c.object === 0).map((c) => c.rule)).toEqual([
      'PAGES_ADDED_OR_REMOVED',
    ]);
  });

  it('refuses a link annotation on an approval-signed document (ANNOTATION_NOT_PERMITTED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const [page] = await e.r.pageRefs();
      const link = e.add(
        new PdfDict([
          ['Type', n('Annot')],
          ['Subtype', n('Link')],
          ['Rect', [72, 600, 372, 640]],
        ]),
      );
      await append(e, page!.num, 'Annots', link);
    });
    await expectRefused(pki, doc, 'ANNOTATION_NOT_PERMITTED');
  });

  it('refuses an opaque annotation laid over the signed text (SHADOW_HIDE_OVERLAY)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const [page] = await e.r.pageRefs();
      const cover = e.add(
        new PdfDict([
          ['Type', n('Annot')],
          ['Subtype', n('Square')],
          ['Rect', [72, 600, 372, 640]],
          ['AP', new PdfDict([['N', whiteBox(e)]])],
        ]),
      );
      await append(e, page!.num, 'Annots', cover);
    });
    await expectRefused(pki, doc, 'SHADOW_HIDE_OVERLAY');
  });

  it('refuses a swapped value and appearance of a field that was filled when signed (SHADOW_REPLACE_FIELD)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.filled, (d) => {
        const ap = e.stream({ Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 200, 20] }, 'BT ET');
        d.set('V', text('99/QD-UBND')).set('AP', new PdfDict([['N', ap]]));
      }),
    );
    const s = await expectRefused(pki, doc, 'SHADOW_REPLACE_FIELD');
    expect(s.changesAfterSigning.every((c) => c.field === 'KyHieu')).toBe(true);
    const hidden = await appendRevision(signed, (e) => editDict(e, form.filled, (d) => void d.set('F', 2)));
    await expectRefused(pki, hidden, 'SHADOW_REPLACE_FIELD');
  });

  it('refuses a redefined font (SHADOW_REPLACE_FONT)', async () => {
    const doc = await appendRevision(signed, (e) =>
      editDict(e, form.font, (d) => void d.set('BaseFont', n('Courier'))),
    );
    await expectRefused(pki, doc, 'SHADOW_REPLACE_FONT');
  });

  it('refuses a redefined XObject that the signed page draws (SHADOW_HIDE_AND_REPLACE)', async () => {
    const doc = await appendRevision(signed, (e) =>
      e.setStream(
        form.xobject,
        { Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 300, 40] },
        'BT /F9 14 Tf 0 10 Td (Muc phat: 0 dong) Tj ET',
      ),
    );
    await expectRefused(pki, doc, 'SHADOW_HIDE_AND_REPLACE');
  });

  it('refuses a /DSS with unexpected entries (DSS_MALFORMED)', async () => {
    const doc = await appendRevision(signed, async (e) => {
      const dss = e.add(
        new PdfDict([
          ['Type', n('DSS')],
          ['JavaScript', text('app.alert(1)')],
        ]),
      );
      await editCatalog(e, (cat) => void cat.set('DSS', dss));
    });
    await expectRefused(pki, doc, 'DSS_MALFORMED');
  });

  it('refuses an object of the signed revision freed (OBJECT_FREED)', async () => {
    const doc = await appendRevision(signed, (e) => e.free(form.names));
    await expectRefused(pki, doc, 'OBJECT_FREED');
  });

  it('refuses an object redefined where no rule allows it (OBJECT_OVERRIDDEN)', async () => {
    const doc = await appendRevision(signed, (e) =>
      e.set(form.names, new PdfDict([['Dests', new PdfDict()]])),
    );
    await expectRefused(pki, doc, 'OBJECT_OVERRIDDEN');
  });

  it('refuses an object that fills a dangling reference of the signed revision (DANGLING_REFERENCE_FILLED)', async () => {
    let target = 0;
    const crafted = await appendRevision(form.bytes, async (e) => {
      target = e.r.size + 50;
      e.trailer.set('Size', e.r.size + 100);
      await editCatalog(e, (cat) => void cat.set('OpenAction', new PdfRef(target, 0)));
    });
    const doc = await appendRevision(await signFirst(pki, crafted), (e) =>
      e.set(
        target,
        new PdfDict([
          ['S', n('JavaScript')],
          ['JS', text('app.alert(1)')],
        ]),
      ),
    );
    const s = await expectRefused(pki, doc, 'DANGLING_REFERENCE_FILLED');
    expect(s.changesAfterSigning.find((c) => !c.allowed)?.newObjects).toEqual([target]);
  });

  it('fails only the signatures whose signed revision a forbidden change follows', async () => {
    const doc = await signSecond(pki, await appendUpdate(signed, { changeContent: true }));
    await expectRefused(pki, doc, 'PAGE_CONTENT_CHANGED');
    const second = await reportOf(pki, doc, 'Signature2');
    expect(second).toMatchObject({
      indication: 'TOTAL_PASSED',
      modificationLevel: 'NONE',
      changesAfterSigning: [],
    });
  });

  it('judges every later revision, so a change undone later is still refused', async () => {
    const hidden = await appendUpdate(signed, { changeContent: true });
    const restored = await appendRevision(hidden, async (e) => {
      const [page] = await e.r.pageRefs();
      const old = await reportPageOf(signed);
      e.set(page!.num, old);
    });
    const s = await reportOf(pki, restored);
    expect(s.changeAnalysis?.revisions.map((r) => r.level)).toEqual(['OTHER', 'OTHER']);
    expect(s.changesAfterSigning[0]?.rule).toBe('PAGE_CONTENT_CHANGED');
  });
});

/** Object numbers of each signature field and its signature dictionary. */
async function analyseFieldRefs(bytes: Uint8Array): Promise<Record<string, { field: number; sig: number }>> {
  const r = await PdfReader.open(bufferSource(bytes));
  const out: Record<string, { field: number; sig: number }> = {};
  for (const f of await r.fields()) {
    const v = f.dict.get('V');
    if (f.ref && v instanceof PdfRef) out[f.name] = { field: f.ref.num, sig: v.num };
  }
  return out;
}

async function reportPageOf(bytes: Uint8Array): Promise<PdfDict> {
  const r = await PdfReader.open(bufferSource(bytes));
  return (await r.resolveDict((await r.pageRefs())[0]))!;
}
