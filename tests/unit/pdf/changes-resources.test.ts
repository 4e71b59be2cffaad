import { PdfDict, type PdfRef } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { editDict, expectAllowed, expectRefused, n, signFirst } from './support/change-fixture';
import { type FormPdf, makeFormPdf } from './support/form-pdf';
import { appendRevision } from './support/revisions';

jest.setTimeout(120_000);

let pki: TestPki;
let form: FormPdf;

beforeAll(async () => {
  pki = await createTestPki();
  form = await makeFormPdf();
});

const courier = () =>
  new PdfDict([
    ['Type', n('Font')],
    ['Subtype', n('Type1')],
    ['BaseFont', n('Courier')],
  ]);

/** A signed form whose AcroForm /DR is an indirect dictionary, and the number of that object. */
async function withIndirectDr(): Promise<{ signed: Uint8Array; dr: number }> {
  let dr = 0;
  const bytes = await appendRevision(form.bytes, (e) =>
    editDict(e, form.acroForm, (d) => {
      const ref = e.add(d.get('DR')!);
      dr = ref.num;
      d.set('DR', ref);
    }),
  );
  return { signed: await signFirst(pki, bytes), dr };
}

describe('change analysis: resources and writer marks', () => {
  it('allows an indirect AcroForm /DR to gain a font in place (ACROFORM_DR)', async () => {
    const { signed, dr } = await withIndirectDr();
    const doc = await appendRevision(signed, (e) =>
      editDict(e, dr, (d) => {
        const fonts = (d.get('Font') as PdfDict).clone();
        d.set('Font', fonts.set('Cour', e.add(courier())));
      }),
    );
    await expectAllowed(pki, doc, 'ACROFORM_DR');
  });

  it('refuses an indirect AcroForm /DR whose existing font is swapped in place (SHADOW_REPLACE_FONT)', async () => {
    const { signed, dr } = await withIndirectDr();
    const doc = await appendRevision(signed, (e) =>
      editDict(e, dr, (d) => void d.set('Font', new PdfDict([['Helv', e.add(courier())]]))),
    );
    await expectRefused(pki, doc, 'SHADOW_REPLACE_FONT');
  });

  it('allows the page tree root to gain /ITXT, and nothing else with it (WRITER_VERSION_MARK)', async () => {
    const signed = await signFirst(pki, form.bytes);
    const pagesOf = async (e: { r: { catalog(): Promise<PdfDict> } }) =>
      ((await e.r.catalog()).get('Pages') as PdfRef).num;
    const marked = await appendRevision(signed, async (e) =>
      editDict(e, await pagesOf(e), (d) => void d.set('ITXT', n('5.0.0'))),
    );
    await expectAllowed(pki, marked, 'WRITER_VERSION_MARK');
    const rotated = await appendRevision(signed, async (e) =>
      editDict(e, await pagesOf(e), (d) => void d.set('ITXT', n('5.0.0')).set('Rotate', 90)),
    );
    await expectRefused(pki, rotated, 'PAGE_CHANGED');
  });
});
