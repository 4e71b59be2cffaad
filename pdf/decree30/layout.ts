import fontkit from '@pdf-lib/fontkit';
import { PDFDict, PDFDocument, PDFName, PDFString, type PDFPage } from 'pdf-lib';
import { PdfError } from '../core/errors';
import type { Rect } from '../sign/options';
import { centred, type Face, justified, vietnameseDate, width, wrap } from './text';
import {
  type Decree30Fields,
  type DocumentFonts,
  SIGNATURE_BLOCK_INFO_KEY,
  type SignatureBlockLayout,
} from './types';

/** A4 and the margins of Decree 30/2020 Appendix I (top and bottom 20 mm, left 30 mm, right 15 mm), in points. */
const PAGE = { width: 595.28, height: 841.89 };
const MARGIN = { top: 57, bottom: 57, left: 85, right: 43 };
const RIGHT = PAGE.width - MARGIN.right;
const CONTENT_WIDTH = RIGHT - MARGIN.left;
/** The header's two columns: agency on the left, national title on the right. */
const LEFT_COLUMN = { x: MARGIN.left, width: 195 };
const RIGHT_COLUMN = { x: MARGIN.left + 195, width: CONTENT_WIDTH - 195 };
const centreOf = (c: { x: number; width: number }) => c.x + c.width / 2;
const SIGNATURE_IMAGE = { width: 170, height: 72 };
/** A real seal is 32–40 mm across. */
const SEAL_SIZE = 96;

const NATIONAL_TITLE = 'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM';
const MOTTO = 'Độc lập - Tự do - Hạnh phúc';

interface Faces {
  regular: (size: number) => Face;
  bold: (size: number) => Face;
  italic: (size: number) => Face;
  boldItalic: (size: number) => Face;
}

/** The page being filled and the baseline of the next line; starts a page when a block does not fit. */
class Cursor {
  page: PDFPage;
  pageNo = 1;
  y = PAGE.height - MARGIN.top;
  constructor(private readonly doc: PDFDocument) {
    this.page = doc.addPage([PAGE.width, PAGE.height]);
  }
  ensure(height: number): void {
    if (this.y - height >= MARGIN.bottom) return;
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.pageNo++;
    this.y = PAGE.height - MARGIN.top;
  }
}

const round = (r: Rect): Rect => r.map((n) => Math.round(n * 100) / 100) as Rect;

function underline(page: PDFPage, cx: number, y: number, length: number): void {
  page.drawLine({ start: { x: cx - length / 2, y }, end: { x: cx + length / 2, y }, thickness: 0.6 });
}

/** Agency names (left), national title and motto (right), number and place-date: Appendix I items 1–4. */
function drawHeader(c: Cursor, f: Faces, d: Decree30Fields): void {
  const top = c.y - 12;
  const left = centreOf(LEFT_COLUMN);
  const right = centreOf(RIGHT_COLUMN);
  let y = top;
  if (d.parentAgency) {
    for (const line of wrap(f.regular(12), d.parentAgency.toLocaleUpperCase('vi'), LEFT_COLUMN.width)) {
      centred(c.page, f.regular(12), line, left, y);
      y -= 15;
    }
  }
  let agencyWidth = 0;
  for (const line of wrap(f.bold(12), d.agency.toLocaleUpperCase('vi'), LEFT_COLUMN.width)) {
    agencyWidth = Math.max(agencyWidth, centred(c.page, f.bold(12), line, left, y));
    y -= 15;
  }
  underline(c.page, left, y + 9, agencyWidth / 2);
  centred(c.page, f.bold(12), NATIONAL_TITLE, right, top);
  const mottoWidth = centred(c.page, f.bold(13), MOTTO, right, top - 15);
  underline(c.page, right, top - 19, mottoWidth);
  y = Math.min(y, top - 30) - 10;
  centred(c.page, f.regular(13), `Số: ${d.number ?? '      '}/${d.notation}`, left, y);
  centred(c.page, f.italic(13), `${d.place}, ${vietnameseDate(d.date)}`, right, y);
  c.y = y - 16;
  if (!d.typeName) {
    // An official letter: the subject under its number ("V/v …"), Appendix I item 5b.
    for (const line of wrap(f.regular(12), `V/v ${d.subject}`, LEFT_COLUMN.width)) {
      centred(c.page, f.regular(12), line, left, c.y);
      c.y -= 14;
    }
  }
}

/** Type name and subject (item 5a), or the letter's "Kính gửi:" addressees. */
function drawTitle(c: Cursor, f: Faces, d: Decree30Fields): void {
  const centre = MARGIN.left + CONTENT_WIDTH / 2;
  c.y -= 22;
  if (d.typeName) {
    centred(c.page, f.bold(14), d.typeName.toLocaleUpperCase('vi'), centre, c.y);
    c.y -= 18;
    let w = 0;
    for (const line of wrap(f.bold(14), d.subject, CONTENT_WIDTH - 60)) {
      w = Math.max(w, centred(c.page, f.bold(14), line, centre, c.y));
      c.y -= 18;
    }
    underline(c.page, centre, c.y + 11, w / 3);
    c.y -= 10;
    return;
  }
  const to = d.addressees ?? [];
  if (to.length === 1) {
    centred(c.page, f.regular(14), `Kính gửi: ${to[0]}.`, centre, c.y);
    c.y -= 26;
    return;
  }
  const x = centre - 110;
  c.page.drawText('Kính gửi:', { x, y: c.y, font: f.regular(14).font, size: 14 });
  to.forEach((name, i) => {
    const text = `- ${name}${i === to.length - 1 ? '.' : ';'}`;
    c.page.drawText(text, {
      x: x + width(f.regular(14), 'Kính gửi: '),
      y: c.y,
      font: f.regular(14).font,
      size: 14,
    });
    c.y -= 17;
  });
  c.y -= 9;
}

/** Body paragraphs, justified, first line indented 1 cm (item 6), across pages as needed. */
function drawBody(c: Cursor, f: Faces, d: Decree30Fields): void {
  const face = f.regular(13);
  const indent = 28;
  for (const paragraph of d.body) {
    const lines = wrap(face, paragraph, CONTENT_WIDTH, indent);
    lines.forEach((line, i) => {
      c.ensure(17);
      const x = MARGIN.left + (i === 0 ? indent : 0);
      justified(c.page, face, line, x, c.y, RIGHT - x, i === lines.length - 1);
      c.y -= 17;
    });
    c.y -= 5;
  }
}

/** "Nơi nhận:" (item 9) on the left, the signature block (items 7a–7c) on the right; returns the block's places. */
function drawFooter(c: Cursor, f: Faces, d: Decree30Fields): Omit<SignatureBlockLayout, 'page'> {
  const items = [...d.recipients.map((r) => `- ${r};`), '- Lưu: VT.'];
  const titleLines = [d.signature.competence, d.signature.position]
    .filter((s): s is string => !!s)
    .map((s) => s.toLocaleUpperCase('vi'));
  const blockHeight = titleLines.length * 16 + SIGNATURE_IMAGE.height + 30;
  c.ensure(Math.max(blockHeight, 16 + items.length * 13) + 12);
  const top = c.y - 12;
  c.page.drawText('Nơi nhận:', { x: MARGIN.left, y: top, font: f.boldItalic(12).font, size: 12 });
  items.forEach((item, i) => {
    const line = wrap(f.regular(11), item, LEFT_COLUMN.width + 20)[0] ?? item;
    c.page.drawText(line, { x: MARGIN.left, y: top - 14 - i * 13, font: f.regular(11).font, size: 11 });
  });
  const cx = centreOf(RIGHT_COLUMN);
  let y = top;
  let titleWidth = 0;
  for (const line of titleLines) {
    titleWidth = Math.max(titleWidth, centred(c.page, f.bold(13), line, cx, y));
    y -= 16;
  }
  const title: Rect = [cx - titleWidth / 2 - 2, y + 12, titleWidth + 4, top + 13 - (y + 12)];
  const image: Rect = [
    cx - SIGNATURE_IMAGE.width / 2,
    y - SIGNATURE_IMAGE.height + 8,
    SIGNATURE_IMAGE.width,
    SIGNATURE_IMAGE.height,
  ];
  const nameY = image[1] - 14;
  const nameWidth = centred(c.page, f.bold(13), d.signature.fullName, cx, nameY);
  const name: Rect = [cx - nameWidth / 2 - 2, nameY - 4, nameWidth + 4, 17];
  // Appendix I II: the seal covers about the left third of the signature image.
  const seal: Rect = [
    image[0] + image[2] / 3 - SEAL_SIZE,
    image[1] + image[3] / 2 - SEAL_SIZE / 2,
    SEAL_SIZE,
    SEAL_SIZE,
  ];
  const x0 = Math.min(title[0], image[0], name[0], seal[0]);
  const x1 = Math.max(title[0] + title[2], image[0] + image[2], name[0] + name[2]);
  const y0 = Math.min(name[1], seal[1]);
  c.y = Math.min(nameY, top - 14 - items.length * 13) - 12;
  const block: Rect = [x0, y0, x1 - x0, top + 13 - y0];
  return {
    block: round(block),
    title: round(title),
    image: round(image),
    name: round(name),
    seal: round(seal),
  };
}

async function embedFaces(doc: PDFDocument, fonts: DocumentFonts): Promise<Faces> {
  doc.registerFontkit(fontkit);
  const embed = async (bytes: Uint8Array) => {
    try {
      return await doc.embedFont(bytes, { subset: true });
    } catch (err) {
      throw new PdfError('FONT_UNAVAILABLE', `cannot embed font: ${(err as Error).message}`, { cause: err });
    }
  };
  const [regular, bold, italic, boldItalic] = await Promise.all(
    [fonts.regular, fonts.bold, fonts.italic, fonts.boldItalic].map(embed),
  );
  const face = (font: typeof regular) => (size: number) => ({ font: font!, size });
  return { regular: face(regular), bold: face(bold), italic: face(italic), boldItalic: face(boldItalic) };
}

/**
 * Lays out an administrative document per Decree 30/2020/NĐ-CP Appendix I on A4 and returns the PDF with the
 * place of its signature block (also written into the document information dictionary under
 * {@link SIGNATURE_BLOCK_INFO_KEY}, so signing finds it in the file it signs). Pure: same fields, same bytes.
 */
export async function layoutDecree30(
  fields: Decree30Fields,
  fonts: DocumentFonts,
): Promise<{ pdf: Uint8Array; signatureBlock: SignatureBlockLayout }> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const faces = await embedFaces(doc, fonts);
  const cursor = new Cursor(doc);
  drawHeader(cursor, faces, fields);
  drawTitle(cursor, faces, fields);
  drawBody(cursor, faces, fields);
  const signatureBlock = { page: cursor.pageNo, ...drawFooter(cursor, faces, fields) };
  doc.setTitle(fields.typeName ? `${fields.typeName} ${fields.subject}` : `V/v ${fields.subject}`);
  doc.setAuthor(fields.agency);
  doc.setLanguage('vi-VN');
  doc.setProducer('lienthong');
  const info = doc.context.lookup(doc.context.trailerInfo.Info, PDFDict);
  info.set(PDFName.of(SIGNATURE_BLOCK_INFO_KEY), PDFString.of(JSON.stringify(signatureBlock)));
  return { pdf: await doc.save({ useObjectStreams: false }), signatureBlock };
}
