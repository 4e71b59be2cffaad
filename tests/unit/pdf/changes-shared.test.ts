import { PdfDict, PdfRef } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  editCatalog,
  editDict,
  expectAllowed,
  expectRefused,
  n,
  signFirst,
  whiteBox,
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

/** The appearance stream /N of the empty text field SoVanBan. */
async function emptyFieldStream(bytes: Uint8Array): Promise<number> {
  let num = 0;
  await appendRevision(bytes, async (e) => {
    const ap = (await e.dict(form.empty)).get('AP') as PdfDict;
    num = (ap.get('N') as PdfRef).num;
  });
  return num;
}

const rewrite = (num: number) => (e: Parameters<Parameters<typeof appendRevision>[1]>[0]) =>
  e.setStream(num, { Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 200, 20] }, 'BT (16/QD) Tj ET');

describe('change analysis: objects shared outside the place a rule allows to change', () => {
  it('allows an empty field to rewrite its own appearance stream in place (FIELD_APPEARANCE_UPDATED)', async () => {
    const signed = await signFirst(pki, form.bytes);
    const doc = await appendRevision(signed, rewrite(await emptyFieldStream(signed)));
    await expectAllowed(pki, doc, 'FIELD_APPEARANCE_UPDATED');
  });

  it('refuses rewriting an appearance stream that the catalog also refers to (SHARED_OBJECT_OVERRIDDEN)', async () => {
    const stream = await emptyFieldStream(form.bytes);
    const shared = await appendRevision(form.bytes, (e) =>
      editCatalog(e, (cat) => void cat.set('FooBar', new PdfRef(stream, 0))),
    );
    const signed = await signFirst(pki, shared);
    const doc = await appendRevision(signed, rewrite(stream));
    const s = await expectRefused(pki, doc, 'SHARED_OBJECT_OVERRIDDEN');
    expect(s.changesAfterSigning.find((c) => !c.allowed)).toMatchObject({
      object: stream,
      field: 'SoVanBan',
    });
  });

  it('refuses signing a field whose indirect /AP dictionary is also used elsewhere (SHARED_OBJECT_OVERRIDDEN)', async () => {
    let apDict = 0;
    const shared = await appendRevision(form.bytes, async (e) => {
      const ap = e.add(new PdfDict([['N', whiteBox(e)]]));
      apDict = ap.num;
      await editDict(e, form.approval, (d) => void d.set('AP', ap));
      await editCatalog(e, (cat) => void cat.set('FooBar', ap));
    });
    const signed = await signFirst(pki, shared);
    const doc = await appendRevision(signed, async (e) => {
      const sig = e.add(new PdfDict([['Type', n('Sig')]]));
      await editDict(
        e,
        form.approval,
        (d) => void d.set('V', sig).set('AP', new PdfDict([['N', whiteBox(e)]])),
      );
    });
    const s = await expectRefused(pki, doc, 'SHARED_OBJECT_OVERRIDDEN');
    expect(s.changesAfterSigning.find((c) => !c.allowed)?.detail).toContain(`/AP dictionary ${apDict}`);
  });

  it('allows an indirect /Extensions dictionary only the catalog uses to gain an extension (EXTENSIONS_UPDATE)', async () => {
    const { signed, extensions } = await withIndirectExtensions(false);
    const doc = await appendRevision(signed, (e) => e.set(extensions, isoExtension()));
    await expectAllowed(pki, doc, 'EXTENSIONS_UPDATE');
  });

  it('refuses redefining an /Extensions dictionary the catalog also holds under another key (SHARED_OBJECT_OVERRIDDEN)', async () => {
    const { signed, extensions } = await withIndirectExtensions(true);
    const doc = await appendRevision(signed, (e) => e.set(extensions, isoExtension()));
    const s = await expectRefused(pki, doc, 'SHARED_OBJECT_OVERRIDDEN');
    expect(s.changesAfterSigning.find((c) => !c.allowed)?.object).toBe(extensions);
  });
});

/** A signed form whose catalog holds an empty indirect /Extensions (and, if `alsoElsewhere`, /FooBar to it). */
async function withIndirectExtensions(alsoElsewhere: boolean) {
  let extensions = 0;
  const bytes = await appendRevision(form.bytes, async (e) => {
    const ref = e.add(new PdfDict());
    extensions = ref.num;
    await editCatalog(e, (cat) => {
      cat.set('Extensions', ref);
      if (alsoElsewhere) cat.set('FooBar', ref);
    });
  });
  return { signed: await signFirst(pki, bytes), extensions };
}

/** The ISO 32000-2 developer extension entry (ISO/TS 32002) pyHanko adds when it signs with EdDSA. */
function isoExtension(): PdfDict {
  return new PdfDict([
    [
      'ISO_',
      [
        new PdfDict([
          ['Type', n('DeveloperExtensions')],
          ['BaseVersion', n('2.0')],
          ['ExtensionLevel', 32002],
        ]),
      ],
    ],
  ]);
}
