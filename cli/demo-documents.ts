import {
  draftFields,
  draftNotation,
  layoutDecree30,
  loadDocumentFonts,
  managingAgencyLine,
} from '../pdf/decree30';
import type { DocumentType } from '../schemas/document';
import { DEMO_AGENCIES, DEMO_AGENCY_ROLES, demoPersonName } from '../store/demo-province';

/** An agency as the API lists it (the fields the drafting needs). */
export interface DemoAgency {
  code: string;
  name: string;
  level: string;
  shortName?: string;
  place?: string;
  parent?: string | null;
}

/** One demo document to draft: who sends it, to whom, its type and subject, and the day it is dated. */
export interface DemoDocumentRequest {
  sender: DemoAgency;
  recipients: DemoAgency[];
  /** Every agency listed (to name the sender's managing agency). */
  agencies: DemoAgency[];
  type: DocumentType;
  subject: string;
  /** yyyy-MM-dd (Vietnam). */
  date: string;
  /** Picks the body's wording; the same variant gives the same document. */
  variant: number;
}

const OPENINGS = [
  'Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh Hòa An về việc đẩy mạnh chuyển đổi số trong hoạt động của cơ quan hành chính nhà nước; căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư,',
  'Căn cứ Luật Tổ chức chính quyền địa phương; căn cứ kế hoạch công tác năm đã được phê duyệt và tình hình thực tế tại địa phương,',
  'Để kịp thời tổng hợp, báo cáo cấp có thẩm quyền và bảo đảm tiến độ theo quy định, đồng thời nâng cao hiệu quả phối hợp giữa các cơ quan, đơn vị,',
];
const REQUESTS = [
  'Đề nghị các cơ quan, đơn vị khẩn trương triển khai thực hiện, phân công cán bộ đầu mối theo dõi, đôn đốc và gửi kết quả về trước ngày 25 của tháng cuối quý để tổng hợp.',
  'Các cơ quan, đơn vị chủ động rà soát nhiệm vụ được giao, bố trí nguồn lực phù hợp, bảo đảm chất lượng và đúng thời hạn; trong quá trình thực hiện nếu có khó khăn, vướng mắc kịp thời phản ánh để được hướng dẫn.',
  'Giao bộ phận chuyên môn chủ trì, phối hợp với các đơn vị liên quan hướng dẫn, kiểm tra việc thực hiện; định kỳ báo cáo kết quả theo quy định.',
];
const CLOSING =
  'Trong quá trình thực hiện, nếu có vướng mắc đề nghị liên hệ Văn phòng để được hướng dẫn. Trân trọng./.';

/** Signers as the API names them (`GET /me`), by agency code: recorded by `seedDemoImages`. */
const knownSigners = new Map<string, { fullName: string; title?: string }>();

/** Records who signs for `agency`, so the document's block and the signature image name the same person. */
export function rememberSigner(agency: string, signer: { fullName: string; title?: string }): void {
  knownSigners.set(agency, signer);
}

/**
 * The signature block of the agency's signer: the person the API knows, else the seed's `signer.<code>` user of
 * the full demo province. A people's committee signs on behalf of the collective ("TM. Ủy ban nhân dân").
 */
export function signatureOf(sender: DemoAgency): { competence?: string; position: string; fullName: string } {
  const index = DEMO_AGENCIES.findIndex((a) => a.code === sender.code);
  const seeded = index >= 0 ? demoPersonName(index, DEMO_AGENCY_ROLES.indexOf('signer')) : 'Nguyễn Văn An';
  const known = knownSigners.get(sender.code);
  const fullName = known?.fullName ?? seeded;
  if (/^ủy ban nhân dân/iu.test(sender.name))
    return { competence: 'TM. Ủy ban nhân dân', position: known?.title ?? 'Chủ tịch', fullName };
  return { position: known?.title ?? 'Giám đốc', fullName };
}

/** Body paragraphs of a demo document: an opening, the subject as the task, a request and a closing. */
function bodyOf(r: DemoDocumentRequest): string[] {
  const task = r.subject.replace(/^về việc\s+/iu, '').replace(/\s*\(\d+\)$/, '');
  return [
    `${OPENINGS[r.variant % OPENINGS.length]} ${r.sender.name} thông báo và đề nghị thực hiện nội dung ${task} như sau:`,
    `1. Các cơ quan, đơn vị được nêu tại phần Nơi nhận tổ chức quán triệt, triển khai nội dung ${task}; bảo đảm thống nhất, đồng bộ và đúng quy định của pháp luật.`,
    `2. ${REQUESTS[r.variant % REQUESTS.length]}`,
    CLOSING,
  ];
}

/** The Decree 30 PDF of a demo document: national title, agency, number, place and date, body, "Nơi nhận", block. */
export async function demoDocumentPdf(r: DemoDocumentRequest): Promise<Buffer> {
  const parent = r.sender.parent ? r.agencies.find((a) => a.code === r.sender.parent) : undefined;
  const fields = draftFields({
    type: r.type,
    subject: r.subject,
    body: bodyOf(r),
    agency: { name: r.sender.name, place: r.sender.place },
    parentAgency: managingAgencyLine(r.sender.name, parent?.name),
    notation: draftNotation(r.type, r.sender),
    date: r.date,
    recipients: r.recipients.map((a) => a.name),
    signature: signatureOf(r.sender),
  });
  const text = JSON.stringify(fields);
  const fonts = await loadDocumentFonts(text, process.env.LIENTHONG_FONT);
  return Buffer.from((await layoutDecree30(fields, fonts)).pdf);
}
