import { PdfDict } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  append,
  expectAllowed,
  expectRefused,
  firstPage,
  n,
  signFirst,
  text,
  whiteBox,
} from './support/change-fixture';
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

/** A visible widget without /Parent on page 1, optionally listed in the indirect /Kids of a new signature field. */
const addWidget = (inField: boolean) =>
  appendRevision(signed, async (e) => {
    const page = await firstPage(e);
    const widget = e.add(
      new PdfDict([
        ['Type', n('Annot')],
        ['Subtype', n('Widget')],
        ['F', 4],
        ['Rect', [20, 120, 80, 140]],
        ['P', page],
        ['AP', new PdfDict([['N', whiteBox(e)]])],
      ]),
    );
    if (inField) {
      const field = e.add(
        new PdfDict([
          ['FT', n('Sig')],
          ['T', text('Sig2')],
          ['Kids', e.add([widget])],
        ]),
      );
      await append(e, form.acroForm, 'Fields', field);
    }
    await append(e, page.num, 'Annots', widget);
  });

describe('change analysis: widgets of new signature fields', () => {
  it('pairs a widget without /Parent with the new signature field whose /Kids list it (SIGNATURE_FIELD_ADDED)', async () => {
    const s = await expectAllowed(pki, await addWidget(true), 'SIGNATURE_FIELD_ADDED');
    expect(
      s.changesAfterSigning.filter((c) => c.rule === 'SIGNATURE_FIELD_ADDED').map((c) => c.field),
    ).toEqual(['Sig2', 'Sig2']);
  });

  it('still refuses a visible widget no field lists (SHADOW_HIDE_OVERLAY)', async () => {
    await expectRefused(pki, await addWidget(false), 'SHADOW_HIDE_OVERLAY');
  });
});
