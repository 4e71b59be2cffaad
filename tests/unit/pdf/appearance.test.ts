import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PdfError } from '../../../pdf';
import { signPdf, verifyPdf } from '../../../pdf';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { ORGANISATION_TIME, signTwice } from './support/signing';
import { tempDir, tool } from './support/tools';

jest.setTimeout(60_000);

let pki: TestPki;
let dir: string;
beforeAll(async () => {
  pki = await createTestPki();
  dir = tempDir();
});

function text(bytes: Uint8Array, page?: number): string {
  const f = join(dir, `t-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(f, bytes);
  const args = page ? ['-f', String(page), '-l', String(page)] : [];
  return tool('pdftotext', [...args, '-enc', 'UTF-8', f, '-']).stdout;
}

describe('Decree 30/2020 visible signatures', () => {
  it('draws personal and organisation appearances whose Vietnamese text extracts with pdftotext', async () => {
    const { two } = await signTwice(pki, await makePdf());
    const t = text(two, 2);
    expect(t).toContain('Ủy ban nhân dân xã Tân Phú');
    expect(t).toContain('Nguyễn Văn An');
    expect(t).toContain('CHỦ TỊCH');
    expect(t).toContain('2026-02-10T10:30:00+07:00');
    // Rendered for a human look at the layout (seal over the left third of the signature image).
    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/decree30.pdf', two);
    const r = tool('pdftoppm', [
      '-png',
      '-r',
      '60',
      '-f',
      '2',
      '-l',
      '2',
      'test-output/decree30.pdf',
      'test-output/decree30',
    ]);
    expect(r.status).toBe(0);
  });

  it('puts a text-only organisation signature at the top right of page 1', async () => {
    const doc = await signPdf(await makePdf(), {
      signer: pki.organisation.signer,
      signingTime: ORGANISATION_TIME,
      appearance: { kind: 'text', documentNumber: 'Số: 15/QĐ-UBND' },
    });
    const t = text(doc, 1);
    expect(t).toContain('Số: 15/QĐ-UBND');
    expect(t).toContain('2026-02-10T10:30:00+07:00');
    const bbox = tool('pdftotext', ['-bbox', '-f', '1', '-l', '1', writeTmp(doc), '-']).stdout;
    const m = /<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>Số:/.exec(bbox);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(595 / 2);
    expect(Number(m![2])).toBeLessThan(842 / 4);
    writeFileSync('test-output/text-signature.pdf', doc);
  });

  it('honours page and rect, and refuses a page that does not exist', async () => {
    const doc = await signPdf(await makePdf(), {
      signer: pki.personal.signer,
      signingTime: ORGANISATION_TIME,
      appearance: { kind: 'personal', page: 1, rect: [50, 50, 200, 100] },
    });
    expect(text(doc, 1)).toContain('Nguyễn Văn An');
    const r = await verifyPdf(doc, { anchors: pki.anchors, at: pki.at, revocation: 'none' });
    expect(r.valid).toBe(true);
    await expect(
      signPdf(await makePdf(), {
        signer: pki.personal.signer,
        signingTime: ORGANISATION_TIME,
        appearance: { kind: 'personal', page: 9 },
      }),
    ).rejects.toMatchObject({ code: 'PAGE_NOT_FOUND' });
  });

  it('refuses a font that lacks Vietnamese glyphs instead of drawing boxes', async () => {
    const err = await signPdf(await makePdf(), {
      signer: pki.personal.signer,
      signingTime: ORGANISATION_TIME,
      appearance: {
        kind: 'personal',
        fontPath: '/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf',
      },
    }).catch((e: unknown) => e);
    expect((err as PdfError).code).toBe('FONT_UNAVAILABLE');
  });
});

function writeTmp(b: Uint8Array): string {
  const f = join(dir, `b-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(f, b);
  return f;
}
