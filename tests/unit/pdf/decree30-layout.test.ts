import { writeFileSync } from 'node:fs';
import { type PDFDict, PDFDocument, PDFName, PDFString } from 'pdf-lib';
import { signPdf } from '../../../pdf';
import {
  type Decree30Fields,
  type DocumentFonts,
  draftFields,
  layoutDecree30,
  loadDocumentFonts,
  readSignatureBlock,
  SIGNATURE_BLOCK_INFO_KEY,
} from '../../../pdf/decree30';
import { vietnameseDate } from '../../../pdf/decree30/text';
import { createTestPki } from '../../helpers/test-pki';
import { noSystemFontsEnv, pageText } from './support/render';
import { PERSONAL_TIME } from './support/signing';
import { tempDir, tool } from './support/tools';

jest.setTimeout(60_000);

const decision: Decree30Fields = draftFields({
  type: 'QD',
  subject: 'Về việc ban hành Quy chế công tác văn thư, lưu trữ',
  body: [
    'Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 02 năm 2025;',
    'Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;',
  ],
  agency: { name: 'Ủy ban nhân dân xã Tân Phú', place: 'Tân Phú' },
  notation: 'QĐ-UBND',
  date: '2026-03-05',
  recipients: ['Ủy ban nhân dân tỉnh Hòa An', 'Sở Nội vụ'],
  signature: { competence: 'TM. Ủy ban nhân dân', position: 'Chủ tịch', fullName: 'Nguyễn Văn An' },
});

let fonts: DocumentFonts;
const env = noSystemFontsEnv();
beforeAll(async () => {
  fonts = await loadDocumentFonts(JSON.stringify(decision));
});

/** Words of page `page` with their boxes in PDF coordinates (origin bottom left). */
function words(pdf: Uint8Array, page: number): { text: string; x: number; y: number }[] {
  const file = `${tempDir()}/doc.pdf`;
  writeFileSync(file, pdf);
  const html = tool('pdftotext', ['-bbox', '-f', String(page), '-l', String(page), file, '-'], {
    env,
  }).stdout;
  return [
    ...html.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</g),
  ].map((m) => ({ text: m[5]!, x: Number(m[1]), y: 841.89 - Number(m[4]) }));
}

describe('Decree 30 document layout', () => {
  it('prints every element of Appendix I in Vietnamese, with no system font', async () => {
    const { pdf } = await layoutDecree30(decision, fonts);
    const text = pageText(pdf, 1, env).replace(/\s+/g, ' ');
    for (const expected of [
      'ỦY BAN NHÂN DÂN XÃ TÂN PHÚ',
      'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
      'Độc lập - Tự do - Hạnh phúc',
      '/QĐ-UBND',
      'Tân Phú, ngày 05 tháng 3 năm 2026',
      'QUYẾT ĐỊNH',
      'Về việc ban hành Quy chế công tác văn thư, lưu trữ',
      'Nơi nhận:',
      '- Ủy ban nhân dân tỉnh Hòa An;',
      '- Lưu: VT.',
      'TM. ỦY BAN NHÂN DÂN',
      'CHỦ TỊCH',
      'Nguyễn Văn An',
    ])
      expect(text).toContain(expected);
  });

  it('writes an official letter with "V/v" under the number and "Kính gửi:"', async () => {
    const letter = draftFields({
      type: 'CV',
      subject: 'Về việc cung cấp số liệu thống kê',
      body: ['Đề nghị các đơn vị cung cấp số liệu.'],
      agency: { name: 'Sở Nội vụ', place: 'Hòa An' },
      parentAgency: 'Ủy ban nhân dân tỉnh Hòa An',
      notation: 'SNV',
      date: '2026-11-30',
      recipients: ['Sở Tài chính', 'Sở Tư pháp'],
      signature: { position: 'Giám đốc', fullName: 'Trần Thị Bình' },
    });
    const text = pageText((await layoutDecree30(letter, fonts)).pdf, 1, env).replace(/\s+/g, ' ');
    expect(text).toContain('ỦY BAN NHÂN DÂN TỈNH HÒA AN');
    expect(text).toContain('SỞ NỘI VỤ');
    expect(text).toContain('V/v cung cấp số liệu thống kê');
    expect(text).toContain('Kính gửi:');
    expect(text).toContain('- Như trên;');
    expect(text).not.toContain('V/v Về việc');
  });

  it('returns the signature block where the page draws it, and records it in the file', async () => {
    const { pdf, signatureBlock } = await layoutDecree30(decision, fonts);
    expect(signatureBlock.page).toBe(1);
    const inside = (w: { x: number; y: number }, [x, y, width, height]: number[]) =>
      w.x >= x! - 1 && w.x <= x! + width! && w.y >= y! - 1 && w.y <= y! + height!;
    const all = words(pdf, 1);
    expect(
      inside(
        all.find((w) => w.text === 'Nguyễn')!,
        signatureBlock.name,
      ),
    ).toBe(true);
    expect(
      inside(
        all.find((w) => w.text === 'TM.')!,
        signatureBlock.title,
      ),
    ).toBe(true);
    const [, imageY, , imageH] = signatureBlock.image;
    const [, nameY, , nameH] = signatureBlock.name;
    const [, titleY] = signatureBlock.title;
    expect(imageY).toBeGreaterThanOrEqual(nameY + nameH - 1);
    expect(imageY + imageH).toBeLessThanOrEqual(titleY + 1);
    // The seal's right edge at the left third of the signature image.
    const [sx, , sw] = signatureBlock.seal;
    expect(sx + sw).toBeCloseTo(signatureBlock.image[0] + signatureBlock.image[2] / 3, 1);
    expect(await readSignatureBlock(pdf)).toEqual(signatureBlock);
    // Still found after a signature appended an incremental update.
    const pki = await createTestPki();
    const signed = await signPdf(pdf, { signer: pki.personal.signer, signingTime: PERSONAL_TIME });
    expect(await readSignatureBlock(signed)).toEqual(signatureBlock);
  });

  it('continues on a second page and puts the block there when the body is long', async () => {
    const long = {
      ...decision,
      body: Array.from(
        { length: 30 },
        (_, i) => `Điều ${i + 1}. ${'Nội dung quy định chi tiết. '.repeat(8)}`,
      ),
    };
    const { pdf, signatureBlock } = await layoutDecree30(long, fonts);
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBeGreaterThan(1);
    expect(signatureBlock.page).toBe(doc.getPageCount());
  });

  it('ignores a missing or implausible record (uploaded files may carry anything)', async () => {
    const plain = await PDFDocument.create();
    plain.addPage();
    expect(await readSignatureBlock(await plain.save())).toBeUndefined();
    plain.setTitle('x');
    const bogus = {
      page: 1,
      block: [0, 0, 10, 10],
      title: [0, 0, 10, 10],
      image: [0, 0, 5000, 10],
      name: [0, 0, 1, 1],
      seal: [0, 0, 1, 1],
    };
    const info = plain.context.lookup(plain.context.trailerInfo.Info) as PDFDict;
    info.set(PDFName.of(SIGNATURE_BLOCK_INFO_KEY), PDFString.of(JSON.stringify(bogus)));
    expect(await readSignatureBlock(await plain.save())).toBeUndefined();
    expect(await readSignatureBlock(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });

  it('writes dates as Decree 30 does (day below 10 and months 1–2 padded)', () => {
    expect(vietnameseDate('2026-03-05')).toBe('ngày 05 tháng 3 năm 2026');
    expect(vietnameseDate('2026-02-15')).toBe('ngày 15 tháng 02 năm 2026');
    expect(vietnameseDate('2026-11-30')).toBe('ngày 30 tháng 11 năm 2026');
  });
});
