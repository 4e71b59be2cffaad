import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  editDict,
  expectAllowed,
  expectRefused,
  firstPage,
  n,
  reportOf,
  signFirst,
} from './support/change-fixture';
import { type FormPdf, makeFormPdf } from './support/form-pdf';
import { appendRevision } from './support/revisions';

jest.setTimeout(120_000);

let pki: TestPki;
let form: FormPdf;

beforeAll(async () => {
  pki = await createTestPki();
  form = await makeFormPdf();
});

const setTabs = (bytes: Uint8Array, order: string) =>
  appendRevision(bytes, async (e) =>
    editDict(e, (await firstPage(e)).num, (d) => void d.set('Tabs', n(order))),
  );

describe('change analysis: page entries that show nothing (iText DocumentRevisionsValidator)', () => {
  it('allows a tab order change after an approval signature (TAB_ORDER_CHANGED)', async () => {
    const s = await expectAllowed(
      pki,
      await setTabs(await signFirst(pki, form.bytes), 'R'),
      'TAB_ORDER_CHANGED',
    );
    expect(s.modificationLevel).toBe('ANNOTATIONS');
  });

  it('refuses a tab order change under a P=2 certification (DOCMDP_FORBIDS)', async () => {
    const doc = await setTabs(await signFirst(pki, form.bytes, { certify: 2 }), 'R');
    await expectRefused(pki, doc, 'DOCMDP_FORBIDS');
  });

  it('allows structure tab order set where none was, under a P=2 certification (TAB_ORDER_STRUCTURE)', async () => {
    const doc = await setTabs(await signFirst(pki, form.bytes, { certify: 2 }), 'S');
    const s = await expectAllowed(pki, doc, 'TAB_ORDER_STRUCTURE');
    expect(s.modificationLevel).toBe('FORM_FILLING');
  });

  it('allows a page /StructParents key to be set (STRUCT_TREE_UPDATE), but not its content to change', async () => {
    const signed = await signFirst(pki, form.bytes);
    const doc = await appendRevision(signed, async (e) =>
      editDict(e, (await firstPage(e)).num, (d) => void d.set('StructParents', 1)),
    );
    await expectAllowed(pki, doc, 'STRUCT_TREE_UPDATE');
    const both = await appendRevision(signed, async (e) => {
      const page = (await firstPage(e)).num;
      const contents = e.stream({}, 'BT /F1 12 Tf (x) Tj ET');
      await editDict(e, page, (d) => void d.set('StructParents', 1).set('Contents', contents));
    });
    expect(
      (await reportOf(pki, both)).changesAfterSigning.filter((c) => !c.allowed).map((c) => c.rule),
    ).toEqual(['PAGE_CONTENT_CHANGED']);
  });
});
