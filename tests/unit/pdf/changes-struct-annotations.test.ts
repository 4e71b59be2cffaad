import { PdfDict, type PdfRef, type PdfValue } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  append,
  editDict,
  expectAllowed,
  expectRefused,
  firstPage,
  n,
  signFirst,
  text,
} from './support/change-fixture';
import { type FormPdf, makeFormPdf } from './support/form-pdf';
import { appendRevision } from './support/revisions';

jest.setTimeout(120_000);

let pki: TestPki;
let form: FormPdf;
/** The form with a tagged note: a Text annotation on page 1 whose structure element /Annot refers to it (OBJR). */
let tagged: Uint8Array;
let note: PdfRef;
let elem: PdfRef;

beforeAll(async () => {
  pki = await createTestPki();
  form = await makeFormPdf();
  tagged = await appendRevision(form.bytes, async (e) => {
    const page = await firstPage(e);
    note = e.add(
      new PdfDict([
        ['Type', n('Annot')],
        ['Subtype', n('Text')],
        ['Rect', [20, 20, 40, 40]],
        ['P', page],
        ['Contents', text('Ý kiến của Ủy ban nhân dân xã Tân Phú')],
      ]),
    );
    await append(e, page.num, 'Annots', note);
    const cat = await e.dict(e.r.trailer.get('Root'));
    const root = cat.get('StructTreeRoot') as PdfRef;
    elem = e.add(
      new PdfDict([
        ['Type', n('StructElem')],
        ['S', n('Annot')],
        ['P', root],
        ['Pg', page],
        [
          'K',
          [
            new PdfDict([
              ['Type', n('OBJR')],
              ['Obj', note],
            ]),
          ],
        ],
      ]),
    );
    await append(e, root.num, 'K', elem);
  });
});

/** Removes the note from the page, its object reference from the structure element, or both. */
const remove = (signed: Uint8Array, what: { fromPage: boolean; fromStructure: boolean }) =>
  appendRevision(signed, async (e) => {
    const page = await firstPage(e);
    if (what.fromPage)
      await editDict(e, page.num, async (d) => {
        const annots = (await e.r.resolve(d.get('Annots'))) as PdfRef[];
        d.set(
          'Annots',
          annots.filter((a) => a.num !== note.num),
        );
      });
    if (what.fromStructure) await editDict(e, elem.num, (d) => void d.set('K', []));
  });

describe('change analysis: structure tree after an annotation is removed or changed', () => {
  it('allows the OBJR of a removed annotation to leave its structure element under P=3 (STRUCT_TREE_ANNOTATION_REMOVED)', async () => {
    const certified = await signFirst(pki, tagged, { certify: 3 });
    const s = await expectAllowed(
      pki,
      await remove(certified, { fromPage: true, fromStructure: true }),
      'STRUCT_TREE_ANNOTATION_REMOVED',
    );
    expect(s.changesAfterSigning.map((c) => c.rule)).toContain('ANNOTATION_ADDED');
  });

  it('refuses dropping the OBJR of an annotation still on its page (the structure rewritten)', async () => {
    const certified = await signFirst(pki, tagged, { certify: 3 });
    await expectRefused(
      pki,
      await remove(certified, { fromPage: false, fromStructure: true }),
      'OBJECT_OVERRIDDEN',
    );
  });

  it('refuses the clean-up with the removal under P=2 (DOCMDP_FORBIDS)', async () => {
    const certified = await signFirst(pki, tagged, { certify: 2 });
    const s = await expectRefused(
      pki,
      await remove(certified, { fromPage: true, fromStructure: true }),
      'DOCMDP_FORBIDS',
    );
    expect(s.changesAfterSigning.find((c) => c.object === elem.num)?.allowed).toBe(false);
  });

  /** Marks the note's OBJR with `objr` entries, optionally recolouring the note in the same revision. */
  const mark = (signed: Uint8Array, objr: [string, PdfValue][], recolour: boolean) =>
    appendRevision(signed, async (e) => {
      if (recolour) await editDict(e, note.num, (d) => void d.set('C', [1, 0, 0]));
      await editDict(e, elem.num, (d) => {
        const ref = new PdfDict([['Type', n('OBJR')], ['Obj', note], ...objr]);
        d.set('K', [ref]);
      });
    });

  it('allows an unknown key on the OBJR of an annotation changed in the same revision (STRUCT_TREE_OBJR_MARKED)', async () => {
    const certified = await signFirst(pki, tagged, { certify: 3 });
    await expectAllowed(
      pki,
      await mark(certified, [['RandomName', n('RandomValue')]], true),
      'STRUCT_TREE_OBJR_MARKED',
    );
  });

  it('refuses it when the annotation is left as signed, or when /Pg is set (OBJECT_OVERRIDDEN)', async () => {
    const certified = await signFirst(pki, tagged, { certify: 3 });
    await expectRefused(
      pki,
      await mark(certified, [['RandomName', n('RandomValue')]], false),
      'OBJECT_OVERRIDDEN',
    );
    await expectRefused(pki, await mark(certified, [['Pg', elem]], true), 'OBJECT_OVERRIDDEN');
  });
});
