import { PdfDict, PdfName, type PdfRef, type PdfValue } from '../../../../pdf/core/objects';
import { makePdf } from './corpus';
import { appendRevision, text } from './revisions';

const n = (s: string) => new PdfName(s);

/** Object numbers of the parts of {@link makeFormPdf}'s document that tests change. */
export interface FormPdf {
  bytes: Uint8Array;
  /** Empty text field (merged with its widget) on page 1. */
  empty: number;
  /** Text field holding "15/QĐ-UBND" with its appearance /N and /D streams. */
  filled: number;
  filledN: number;
  filledD: number;
  /** Empty, visible signature field "Approval". */
  approval: number;
  /** Form XObject drawn by page 1's content. */
  xobject: number;
  /** Font of the AcroForm /DR (also page 1's /F9). */
  font: number;
  structRoot: number;
  parentTree: number;
  structElem: number;
  /** An indirect /Names dictionary no rule covers. */
  names: number;
  acroForm: number;
}

function widget(page: PdfRef, name: string, rect: number[], extra: [string, PdfValue][]): PdfDict {
  return new PdfDict([
    ['Type', n('Annot')],
    ['Subtype', n('Widget')],
    ['T', text(name)],
    ['Rect', rect],
    ['F', 4],
    ['P', page],
    ...extra,
  ]);
}

/**
 * A two-page document with an interactive form (ISO 32000-1 12.7), a tagged structure tree (14.7) and a page that
 * draws a Form XObject: the base the change-analysis tests sign and then update.
 */
export async function makeFormPdf(): Promise<FormPdf> {
  const out = {} as Omit<FormPdf, 'bytes'>;
  const bytes = await appendRevision(await makePdf(), async (e) => {
    const [page] = await e.r.pageRefs();
    const font = e.add(
      new PdfDict([
        ['Type', n('Font')],
        ['Subtype', n('Type1')],
        ['BaseFont', n('Helvetica')],
      ]),
    );
    const box = e.stream(
      { Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 200, 20] },
      '0 0 200 20 re S',
    );
    const shown = '/Tx BMC BT /F9 12 Tf 2 5 Td (15/QD-UBND) Tj ET EMC';
    const res = new PdfDict([['Font', new PdfDict([['F9', font]])]]);
    const filledN = e.stream(
      { Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 200, 20], Resources: res },
      shown,
    );
    const filledD = e.stream(
      { Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 200, 20], Resources: res },
      shown,
    );
    const xobject = e.stream(
      { Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 300, 40], Resources: res },
      'BT /F9 14 Tf 0 10 Td (Muc phat: 1.000.000 dong) Tj ET',
    );
    const empty = e.add(
      widget(
        page!,
        'SoVanBan',
        [72, 700, 272, 720],
        [
          ['FT', n('Tx')],
          ['DA', text('/Helv 12 Tf 0 g')],
          ['AP', new PdfDict([['N', box]])],
        ],
      ),
    );
    const filled = e.add(
      widget(
        page!,
        'KyHieu',
        [72, 670, 272, 690],
        [
          ['FT', n('Tx')],
          ['V', text('15/QD-UBND')],
          ['DA', text('/Helv 12 Tf 0 g')],
          [
            'AP',
            new PdfDict([
              ['N', filledN],
              ['D', filledD],
            ]),
          ],
        ],
      ),
    );
    const approval = e.add(widget(page!, 'Approval', [300, 100, 500, 160], [['FT', n('Sig')]]));
    const structElem = e.add(
      new PdfDict([
        ['Type', n('StructElem')],
        ['S', n('P')],
        ['Pg', page!],
        ['K', 0],
      ]),
    );
    const parentTree = e.add(new PdfDict([['Nums', [0, [structElem]]]]));
    const structRoot = e.add(
      new PdfDict([
        ['Type', n('StructTreeRoot')],
        ['K', [structElem]],
        ['ParentTree', parentTree],
        ['ParentTreeNextKey', 1],
      ]),
    );
    e.set(
      structElem.num,
      new PdfDict([
        ['Type', n('StructElem')],
        ['S', n('P')],
        ['P', structRoot],
        ['Pg', page!],
        ['K', 0],
      ]),
    );
    const names = e.add(new PdfDict());
    const acroForm = e.add(
      new PdfDict([
        ['Fields', [empty, filled, approval]],
        ['DA', text('/Helv 12 Tf 0 g')],
        ['DR', new PdfDict([['Font', new PdfDict([['Helv', font]])]])],
      ]),
    );
    const pageDict = await e.dict(page);
    const resources = await e.dict(pageDict.get('Resources'));
    const fonts = await e.dict(resources.get('Font'));
    resources.set('Font', fonts.set('F9', font));
    resources.set('XObject', new PdfDict([['X1', xobject]]));
    const draw = e.stream({}, 'q 1 0 0 1 72 600 cm /X1 Do Q');
    const contents = pageDict.get('Contents');
    pageDict.set('Contents', [...(Array.isArray(contents) ? contents : [contents!]), draw]);
    pageDict.set('Resources', resources).set('Annots', [empty, filled, approval]).set('StructParents', 0);
    e.set(page!.num, pageDict);
    const cat = await e.dict(e.r.trailer.get('Root'));
    cat
      .set('AcroForm', acroForm)
      .set('StructTreeRoot', structRoot)
      .set('MarkInfo', new PdfDict([['Marked', true]]));
    cat.set('Names', names);
    e.set((e.r.trailer.get('Root') as PdfRef).num, cat);
    Object.assign(out, {
      empty: empty.num,
      filled: filled.num,
      filledN: filledN.num,
      filledD: filledD.num,
      approval: approval.num,
      xobject: xobject.num,
      font: font.num,
      structRoot: structRoot.num,
      parentTree: parentTree.num,
      structElem: structElem.num,
      names: names.num,
      acroForm: acroForm.num,
    });
  });
  return { bytes, ...out };
}
