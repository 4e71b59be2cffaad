import type { PdfRef, PdfValue } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  addFieldWidget,
  editDict,
  expectAllowed,
  expectRefused,
  n,
  signFirst,
  text,
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

/** A signed form with an extra list box "CoQuan" (choice field, ISO 32000-1 12.7.4.4), empty or selected. */
async function withListBox(selected: boolean): Promise<{ signed: Uint8Array; list: number }> {
  let list = 0;
  const value: [string, PdfValue][] = [
    ['V', text('UBND')],
    ['I', [0]],
  ];
  const bytes = await appendRevision(form.bytes, async (e) => {
    const ref: PdfRef = await addFieldWidget(e, form.acroForm, [
      ['FT', n('Ch')],
      ['T', text('CoQuan')],
      ['Rect', [72, 600, 272, 640]],
      ['Opt', [text('UBND'), text('HDND')]],
      ...(selected ? value : []),
    ]);
    list = ref.num;
  });
  return { signed: await signFirst(pki, bytes), list };
}

const select = (bytes: Uint8Array, list: number) =>
  appendRevision(bytes, (e) => editDict(e, list, (d) => void d.set('V', text('HDND')).set('I', [1])));

describe('change analysis: a choice field value is /V with /I beside it', () => {
  it('allows an empty list box to be filled with /V and /I (FORM_FIELD_FILLED)', async () => {
    const { signed, list } = await withListBox(false);
    const s = await expectAllowed(pki, await select(signed, list), 'FORM_FIELD_FILLED');
    expect(s.changesAfterSigning.map((c) => c.rule)).toEqual(['FORM_FIELD_FILLED']);
  });

  it('still refuses changing the selection of a list box that had one when signed (SHADOW_REPLACE_FIELD)', async () => {
    const { signed, list } = await withListBox(true);
    await expectRefused(pki, await select(signed, list), 'SHADOW_REPLACE_FIELD');
  });
});
