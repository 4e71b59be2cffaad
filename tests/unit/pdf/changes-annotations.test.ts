import { PdfDict, type PdfRef, type PdfValue } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  append,
  editCatalog,
  expectAllowed,
  expectRefused,
  firstPage,
  n,
  signFirst,
  text,
  whiteBox,
} from './support/change-fixture';
import { type FormPdf, makeFormPdf } from './support/form-pdf';
import { type Edit, appendRevision } from './support/revisions';

jest.setTimeout(120_000);

let pki: TestPki;
let form: FormPdf;
let approved: Uint8Array;

beforeAll(async () => {
  pki = await createTestPki();
  form = await makeFormPdf();
  approved = await signFirst(pki, form.bytes);
});

/** An opaque FreeText annotation ("Đã xem", as a reviewer's note) with /Rect `rect` on page 1. */
const note = (signed: Uint8Array, rect: number[], edit?: (e: Edit) => Promise<void>) =>
  appendRevision(signed, async (e) => {
    const page = await firstPage(e);
    const annot = e.add(
      new PdfDict([
        ['Type', n('Annot')],
        ['Subtype', n('FreeText')],
        ['Rect', rect],
        ['F', 4],
        ['P', page],
        ['Contents', text('Đã xem — Ủy ban nhân dân xã Tân Phú')],
        ['AP', new PdfDict([['N', whiteBox(e)]])],
      ]),
    );
    await append(e, page.num, 'Annots', annot);
    await edit?.(e);
  });

/** In the bottom left corner of page 1: nothing is drawn there, and no annotation lies there. */
const CLEAR = [20, 20, 60, 40];

const withNames = (entries: [string, PdfValue][]) => async (e: Edit) => {
  const tree = e.add(new PdfDict([['Names', [text('note-1'), whiteBox(e)]]]));
  await editCatalog(e, (cat) => void cat.set('Names', e.add(new PdfDict([['AP', tree], ...entries]))));
};

describe('change analysis: annotations added to an approval-signed document', () => {
  it('allows an annotation clear of everything the page shows (ANNOTATION_ADDED_CLEAR)', async () => {
    const s = await expectAllowed(pki, await note(approved, CLEAR), 'ANNOTATION_ADDED_CLEAR');
    expect(s.modificationLevel).toBe('ANNOTATIONS');
  });

  it('refuses the same annotation over the signed content the page draws (SHADOW_HIDE_OVERLAY)', async () => {
    // The page draws its form XObject into [72 600 372 640]; the box only touches its lower corner.
    await expectRefused(pki, await note(approved, [360, 590, 400, 610]), 'SHADOW_HIDE_OVERLAY');
  });

  it('refuses it over the signed page text drawn by the content stream (SHADOW_HIDE_OVERLAY)', async () => {
    // "Page 1: decision text" at (72, 760), 14 pt: the annotation lies on its last words.
    await expectRefused(pki, await note(approved, [150, 758, 200, 770]), 'SHADOW_HIDE_OVERLAY');
  });

  it('refuses it over an annotation of the signed revision (the empty signature field)', async () => {
    await expectRefused(pki, await note(approved, [450, 150, 520, 200]), 'SHADOW_HIDE_OVERLAY');
  });

  it('refuses a clear annotation under a P=2 certification (DOCMDP_FORBIDS)', async () => {
    const certified = await signFirst(pki, form.bytes, { certify: 2 });
    await expectRefused(pki, await note(certified, CLEAR), 'DOCMDP_FORBIDS');
  });
});

describe('change analysis: catalog /Names with named appearances', () => {
  it('allows an /AP name tree added beside a clear annotation (NAMED_APPEARANCES_ADDED)', async () => {
    await expectAllowed(pki, await note(approved, CLEAR, withNames([])), 'NAMED_APPEARANCES_ADDED');
  });

  it('refuses /JavaScript brought in with it (CATALOG_CHANGED)', async () => {
    const js = (e: Edit): PdfRef => e.add(new PdfDict([['Names', [text('open'), text('app.alert(1)')]]]));
    const doc = await note(approved, CLEAR, async (e) => withNames([['JavaScript', js(e)]])(e));
    await expectRefused(pki, doc, 'CATALOG_CHANGED');
  });
});
