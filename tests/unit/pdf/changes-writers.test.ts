import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument } from '@cantoo/pdf-lib';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { expectAllowed, expectRefused, signFirst } from './support/change-fixture';
import { type FormPdf, makeFormPdf } from './support/form-pdf';
import { tempDir, tool } from './support/tools';

jest.setTimeout(120_000);

let pki: TestPki;
let form: FormPdf;
let signed: Uint8Array;

beforeAll(async () => {
  pki = await createTestPki();
  form = await makeFormPdf();
  signed = await signFirst(pki, form.bytes);
});

/** Loads the signed file for an incremental update with @cantoo/pdf-lib, edits it and commits one revision. */
async function cantooUpdate(edit: (doc: PDFDocument) => void | Promise<void>): Promise<Uint8Array> {
  const doc = await PDFDocument.load(signed, { forIncrementalUpdate: true });
  await edit(doc);
  return doc.commit();
}

function qpdfCheck(bytes: Uint8Array): number | null {
  const file = join(tempDir(), 'doc.pdf');
  writeFileSync(file, bytes);
  return tool('qpdf', ['--check', file]).status;
}

describe('change analysis on updates written by @cantoo/pdf-lib incremental save', () => {
  it('accepts a text field it fills', async () => {
    const doc = await cantooUpdate((d) => d.getForm().getTextField('SoVanBan').setText('16/QD-UBND'));
    expect(qpdfCheck(doc)).toBe(0);
    const s = await expectAllowed(pki, doc, 'FORM_FIELD_FILLED');
    expect(s.modificationLevel).toBe('FORM_FILLING');
    // It writes the update with an object stream and a cross-reference stream.
    expect(s.changesAfterSigning.map((c) => c.rule)).toContain('FILE_STRUCTURE');
  });

  it('refuses text it draws on a signed page (PAGE_CONTENT_CHANGED)', async () => {
    const doc = await cantooUpdate((d) => void d.getPage(0).drawText('Đã hủy', { x: 72, y: 400 }));
    expect(qpdfCheck(doc)).toBe(0);
    await expectRefused(pki, doc, 'PAGE_CONTENT_CHANGED');
  });
});
