import type { PdfRef } from '../../../pdf/core/objects';
import { PdfDict } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { type Edit, appendRevision } from './support/revisions';
import { expectAllowed, expectRefused, firstPage, n, signFirst, whiteBox } from './support/change-fixture';
import { makePdf } from './support/corpus';

jest.setTimeout(120_000);

let pki: TestPki;
/** Signed two-page document whose first page also draws /Late, an XObject missing from its resources. */
let signed: Uint8Array;
/** The same with the first page's /Resources an indirect object, and its number. */
let indirect: { signed: Uint8Array; resources: number };

/** A document whose first page also draws /Late; with `indirect`, its /Resources are made an object of their own. */
async function drawingLate(indirect: boolean): Promise<{ bytes: Uint8Array; resources: number }> {
  let resources = 0;
  const bytes = await appendRevision(await makePdf(), async (e) => {
    const ref = await firstPage(e);
    const page = await e.dict(ref);
    const drawsLate = e.stream({}, 'q 1 0 0 1 72 400 cm /Late Do Q');
    const contents = page.get('Contents');
    page.set('Contents', [...(Array.isArray(contents) ? contents : [contents!]), drawsLate]);
    if (indirect) {
      const res = e.add(await e.dict(page.get('Resources')));
      resources = res.num;
      page.set('Resources', res);
    }
    e.set(ref.num, page);
  });
  return { bytes, resources };
}

beforeAll(async () => {
  pki = await createTestPki();
  signed = await signFirst(pki, (await drawingLate(false)).bytes);
  const withObject = await drawingLate(true);
  indirect = { signed: await signFirst(pki, withObject.bytes), resources: withObject.resources };
});

/** Sets the first page's /Resources to a new object: a copy of the signed one changed by `fn`. */
function rewriteResources(fn: (res: PdfDict, e: Edit) => void) {
  return appendRevision(signed, async (e) => {
    const ref = await firstPage(e);
    const page = await e.dict(ref);
    const res = await e.dict(page.get('Resources'));
    fn(res, e);
    page.set('Resources', e.add(res));
    e.set(ref.num, page);
  });
}

/** A sub-dictionary of `res` (copied) with `name` set to `value`. */
function withEntry(res: PdfDict, kind: string, name: string, value: PdfRef | PdfDict): void {
  const sub = res.get(kind);
  res.set(kind, (sub instanceof PdfDict ? sub.clone() : new PdfDict()).set(name, value));
}

const courier = () =>
  new PdfDict([
    ['Type', n('Font')],
    ['Subtype', n('Type1')],
    ['BaseFont', n('Courier')],
  ]);

describe('change analysis: a page /Resources rewritten after signing', () => {
  it('allows a copy with the same entries (PAGE_RESOURCES_EXTENDED)', async () => {
    await expectAllowed(pki, await rewriteResources(() => {}), 'PAGE_RESOURCES_EXTENDED');
  });

  it('allows new resource names the signed content does not use', async () => {
    const doc = await rewriteResources((res, e) => {
      withEntry(res, 'Font', 'Cour', e.add(courier()));
      withEntry(res, 'XObject', 'Unused', whiteBox(e));
    });
    await expectAllowed(pki, doc, 'PAGE_RESOURCES_EXTENDED');
  });

  it('refuses a name the signed content uses but did not find when signed (PAGE_CONTENT_CHANGED)', async () => {
    const doc = await rewriteResources((res, e) => withEntry(res, 'XObject', 'Late', whiteBox(e)));
    const s = await expectRefused(pki, doc, 'PAGE_CONTENT_CHANGED');
    expect(s.changesAfterSigning.find((c) => !c.allowed)?.detail).toContain('/Late');
  });

  it('refuses a signed resource entry replaced or removed', async () => {
    const fontName = (res: PdfDict) => [...(res.get('Font') as PdfDict).map.keys()][0]!;
    const swapped = await rewriteResources((res, e) =>
      withEntry(res, 'Font', fontName(res), e.add(courier())),
    );
    await expectRefused(pki, swapped, 'PAGE_CONTENT_CHANGED');
    const removed = await rewriteResources((res) => void res.map.delete('Font'));
    await expectRefused(pki, removed, 'PAGE_CONTENT_CHANGED');
  });

  it('judges an indirect /Resources redefined in place the same way', async () => {
    const inPlace = (fn: (res: PdfDict, e: Edit) => void) =>
      appendRevision(indirect.signed, async (e) => {
        const res = await e.dict(indirect.resources);
        fn(res, e);
        e.set(indirect.resources, res);
      });
    const unused = await inPlace((res, e) => withEntry(res, 'Font', 'Cour', e.add(courier())));
    await expectAllowed(pki, unused, 'PAGE_RESOURCES_EXTENDED');
    const late = await inPlace((res, e) => withEntry(res, 'XObject', 'Late', whiteBox(e)));
    const s = await expectRefused(pki, late, 'PAGE_CONTENT_CHANGED');
    expect(s.changesAfterSigning.find((c) => !c.allowed)?.detail).toContain('/Late');
  });
});
