import { PdfReader } from '../../../pdf/core/document';
import { PdfDict, type PdfRef, type PdfValue } from '../../../pdf/core/objects';
import { bufferSource } from '../../../pdf/core/source';
import { fontMetrics } from '../../../pdf/verify/changes/font-bounds';
import { n } from './support/change-fixture';
import { makePdf } from './support/corpus';
import { appendRevision } from './support/revisions';

/** Writes each font dictionary into a document and reads its metrics back. */
async function metricsOf(fonts: ((add: (v: PdfValue) => PdfRef) => PdfDict)[]) {
  const refs: PdfRef[] = [];
  const bytes = await appendRevision(await makePdf(), (e) => {
    for (const f of fonts) refs.push(e.add(f((v) => e.add(v))));
  });
  const r = await PdfReader.open(bufferSource(bytes));
  return Promise.all(refs.map((ref) => fontMetrics(r, ref)));
}

const descriptor = (bbox: number[]) =>
  new PdfDict([
    ['Type', n('FontDescriptor')],
    ['FontBBox', bbox],
  ]);

describe('font bounds: the glyph metrics the content scan relies on', () => {
  it('reads /Widths and /FontBBox of a simple font, /W and /DW of a CID font', async () => {
    const [simple, cid] = await metricsOf([
      (add) =>
        new PdfDict([
          ['Subtype', n('TrueType')],
          ['Widths', [500, 2000, 278]],
          ['FontDescriptor', add(descriptor([-665, -325, 2000, 1040]))],
        ]),
      (add) =>
        new PdfDict([
          ['Subtype', n('Type0')],
          ['Encoding', n('Identity-H')],
          [
            'DescendantFonts',
            [
              add(
                new PdfDict([
                  ['Subtype', n('CIDFontType2')],
                  ['W', [1, [500, 600], 10, 20, 1200]],
                  ['FontDescriptor', add(descriptor([-100, -200, 1100, 900]))],
                ]),
              ),
            ],
          ],
        ]),
    ]);
    expect(simple).toEqual({ maxAdvance: 2, xMin: -0.665, xMax: 2, yMin: -0.325, yMax: 1.04 });
    expect(cid).toEqual({ maxAdvance: 1.2, xMin: -0.1, xMax: 1.1, yMin: -0.2, yMax: 0.9 });
  });

  it('has no bounds for Type 3, vertical, absurd or unreadable fonts (the page extent is then unknown)', async () => {
    const results = await metricsOf([
      () => new PdfDict([['Subtype', n('Type3')]]),
      () =>
        new PdfDict([
          ['Subtype', n('Type0')],
          ['Encoding', n('Identity-V')],
        ]),
      (add) =>
        new PdfDict([
          ['Subtype', n('Type1')],
          ['Widths', [500]],
          ['FontDescriptor', add(descriptor([0, 0, 50000, 1000]))],
        ]),
      () =>
        new PdfDict([
          ['Subtype', n('Type1')],
          ['BaseFont', n('MyOwnFont')],
        ]),
    ]);
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('gives the standard 14 fonts generous bounds without a descriptor', async () => {
    const [helvetica] = await metricsOf([
      () =>
        new PdfDict([
          ['Subtype', n('Type1')],
          ['BaseFont', n('Helvetica')],
        ]),
    ]);
    expect(helvetica?.maxAdvance).toBeGreaterThanOrEqual(1);
  });
});
