import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PdfDict } from '../../../pdf/core/objects';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  append,
  editCatalog,
  editDict,
  expectAllowed,
  expectRefused,
  n,
  reportOf,
  signFirst,
  signSecond,
  text,
  whiteBox,
} from './support/change-fixture';
import { appendUpdate } from './support/corpus';
import { type FormPdf, makeFormPdf } from './support/form-pdf';
import { appendRevision } from './support/revisions';
import { nssDbWithRoot, tempDir, tool } from './support/tools';

jest.setTimeout(120_000);

let pki: TestPki;
let form: FormPdf;

beforeAll(async () => {
  pki = await createTestPki();
  form = await makeFormPdf();
});

const fillFilled = (bytes: Uint8Array) =>
  appendRevision(bytes, (e) =>
    editDict(e, form.filled, (d) => {
      const ap = e.stream({ Type: n('XObject'), Subtype: n('Form'), BBox: [0, 0, 200, 20] }, 'BT ET');
      d.set('V', text('99/QD-UBND')).set('AP', new PdfDict([['N', ap]]));
    }),
  );

const fillEmpty = (bytes: Uint8Array) =>
  appendRevision(bytes, (e) => editDict(e, form.empty, (d) => void d.set('V', text('16/QD-UBND'))));

const addSquare = (bytes: Uint8Array) =>
  appendRevision(bytes, async (e) => {
    const [page] = await e.r.pageRefs();
    const square = e.add(
      new PdfDict([
        ['Type', n('Annot')],
        ['Subtype', n('Square')],
        ['Rect', [72, 600, 372, 640]],
        ['AP', new PdfDict([['N', whiteBox(e)]])],
      ]),
    );
    await append(e, page!.num, 'Annots', square);
  });

describe('change analysis: DocMDP (ISO 32000-1 12.8.2.2)', () => {
  it('fails a P=1 certification when a later signature is added (DOCMDP_FORBIDS)', async () => {
    const doc = await signSecond(pki, await signFirst(pki, form.bytes, { certify: 1 }));
    const s = await expectRefused(pki, doc, 'DOCMDP_FORBIDS');
    expect(s.changeAnalysis?.docMdp).toEqual({ permissions: 1, certifiedBy: 'Signature1' });
    expect((await reportOf(pki, doc, 'Signature2')).indication).toBe('TOTAL_PASSED');
  });

  it('still allows /DSS and /Info updates after a P=1 certification', async () => {
    const certified = await signFirst(pki, form.bytes, { certify: 1 });
    const doc = await appendRevision(await appendUpdate(certified), async (e) => {
      const dss = e.add(
        new PdfDict([
          ['Type', n('DSS')],
          ['Certs', [e.stream({}, 'der')]],
        ]),
      );
      await editCatalog(e, (cat) => void cat.set('DSS', dss));
    });
    const s = await expectAllowed(pki, doc, 'DSS_UPDATE');
    expect(s.changesAfterSigning.map((c) => c.rule)).toContain('INFO_UPDATE');
  });

  it('lets P=2 change a filled field that an approval signature would protect (FORM_FIELD_FILLED)', async () => {
    const doc = await fillFilled(await signFirst(pki, form.bytes, { certify: 2 }));
    const s = await expectAllowed(pki, doc, 'FORM_FIELD_FILLED');
    expect(s.modificationLevel).toBe('FORM_FILLING');
  });

  it('refuses an annotation under P=2, which allows form filling only (DOCMDP_FORBIDS)', async () => {
    const s = await expectRefused(
      pki,
      await addSquare(await signFirst(pki, form.bytes, { certify: 2 })),
      'DOCMDP_FORBIDS',
    );
    expect(s.changesAfterSigning.find((c) => !c.allowed)?.detail).toContain('ANNOTATION_ADDED');
  });

  it('binds an approval signature made after a certification by the same permissions', async () => {
    const both = await signSecond(pki, await signFirst(pki, form.bytes, { certify: 2 }));
    const s = await expectRefused(pki, await addSquare(both), 'DOCMDP_FORBIDS');
    expect(s.changeAnalysis?.docMdp?.permissions).toBe(2);
    const second = await reportOf(pki, await addSquare(both), 'Signature2');
    expect(second.changeAnalysis?.docMdp).toEqual({ permissions: 2, certifiedBy: 'Signature1' });
    expect(second.indication).toBe('TOTAL_FAILED');
  });
});

describe('change analysis: FieldMDP locks (ISO 32000-1 12.8.2.4, 12.7.4.5)', () => {
  it('fails a signature whose /Include lock covers a field filled later (FIELD_LOCKED)', async () => {
    const locked = await signFirst(pki, form.bytes, { lock: { action: 'Include', fields: ['SoVanBan'] } });
    const s = await expectRefused(pki, await fillEmpty(locked), 'FIELD_LOCKED');
    expect(s.changeAnalysis?.fieldMdp).toEqual({ action: 'Include', fields: ['SoVanBan'] });
  });

  it('lets a field outside an /Include lock be filled', async () => {
    const locked = await signFirst(pki, form.bytes, { lock: { action: 'Include', fields: ['KyHieu'] } });
    await expectAllowed(pki, await fillEmpty(locked), 'FORM_FIELD_FILLED');
  });

  it('fails a signature with an /Exclude lock when a field not excluded is signed later (FIELD_LOCKED)', async () => {
    const locked = await signFirst(pki, form.bytes, { lock: { action: 'Exclude', fields: ['SoVanBan'] } });
    const doc = await appendRevision(locked, (e) =>
      editDict(e, form.approval, (d) => void d.set('V', e.add(new PdfDict([['Type', n('Sig')]])))),
    );
    const s = await expectRefused(pki, doc, 'FIELD_LOCKED');
    expect(s.changesAfterSigning.find((c) => !c.allowed)?.field).toBe('Approval');
  });

  it('fails a signature whose PDF 2.0 /Lock /P 1 forbids any later signature (DOCMDP_FORBIDS)', async () => {
    const locked = await signFirst(pki, form.bytes, { lock: { action: 'All', permissions: 1 } });
    const s = await expectRefused(pki, await signSecond(pki, locked), 'DOCMDP_FORBIDS');
    expect(s.changeAnalysis?.fieldMdp).toEqual({ action: 'All', fields: [], permissions: 1 });
  });
});

describe('change analysis: files stay readable to qpdf and pdfsig', () => {
  it('writes updates that qpdf --check accepts and whose earlier signatures pdfsig still verifies', async () => {
    const dir = tempDir();
    const certified = await signFirst(pki, form.bytes, {
      certify: 2,
      lock: { action: 'Include', fields: ['SoVanBan'] },
    });
    const cases = {
      certified,
      filled: await fillFilled(certified),
      signed: await signSecond(pki, certified),
      info: await appendUpdate(certified),
    };
    const db = nssDbWithRoot(dir, pki.root.certificate);
    for (const [name, bytes] of Object.entries(cases)) {
      const file = join(dir, `${name}.pdf`);
      writeFileSync(file, bytes);
      const q = tool('qpdf', ['--check', file]);
      expect({
        name,
        status: q.status,
        out: q.stdout.includes('No syntax or stream encoding errors'),
      }).toEqual({
        name,
        status: 0,
        out: true,
      });
      // pdfsig also lists the empty "Approval" field, as not signed: only signed fields count here.
      const verdicts = tool('pdfsig', ['-nssdir', db, '-no-ocsp', file]).stdout.match(
        /Signature Validation: .*/g,
      );
      const valid = 'Signature Validation: Signature is Valid.';
      expect({ name, verdicts }).toEqual({ name, verdicts: name === 'signed' ? [valid, valid] : [valid] });
      expect({ name, indication: (await reportOf(pki, bytes)).indication }).toEqual({
        name,
        indication: 'TOTAL_PASSED',
      });
    }
  });
});
