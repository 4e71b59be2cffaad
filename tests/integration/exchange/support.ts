import { PDFDocument, StandardFonts } from 'pdf-lib';
import { TEST_AGENCIES, user, type Api } from '../helpers/harness';

/** Sender and recipients of the exchange tests: a commune sends to the province and two departments. */
export const SENDER = TEST_AGENCIES.find((a) => a.code === '000.01.01.H29')!;
export const RECIPIENTS = ['000.00.00.H29', '000.00.32.H29', '000.00.33.H29'];
export const OTHER = '000.01.02.H29';

/** A small one-page PDF (pdf-lib). */
export async function makePdf(text = 'Quyet dinh ve viec to chuc hoi nghi'): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  page.drawText(text, { x: 72, y: 760, size: 12, font });
  return doc.save({ useObjectStreams: false });
}

/** Creates a draft of a given type as the sender's drafter (no recipients' consumers needed) and returns its id. */
export async function draftOfType(a: Api, type: string, subject: string, priority = 0): Promise<string> {
  const res = await a.call(user('drafter', SENDER.code), 'POST', '/documents', {
    type,
    subject,
    recipients: [RECIPIENTS[1]],
    priority,
    fileName: 'van-ban.pdf',
    pdfBase64: Buffer.from(await makePdf(subject.normalize('NFD').replace(/[^\x20-\x7e]/g, ''))).toString(
      'base64',
    ),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Creates a draft as the sender's drafter and returns its id. */
export async function createDraft(
  a: Api,
  subject: string,
  recipients: string[] = RECIPIENTS,
  pdf?: Uint8Array,
): Promise<string> {
  const bytes = pdf ?? (await makePdf());
  const res = await a.call(user('drafter', SENDER.code), 'POST', '/documents', {
    type: 'QD',
    subject,
    recipients,
    priority: 1,
    fileName: 'Quyết định tổ chức hội nghị.pdf',
    pdfBase64: Buffer.from(bytes).toString('base64'),
  });
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** Drafts, submits, approves and signs (server-held key) a document; returns its id. */
export async function signedDocument(
  a: Api,
  subject: string,
  recipients: string[] = RECIPIENTS,
): Promise<string> {
  const id = await createDraft(a, subject, recipients);
  const s = SENDER.code;
  for (const [who, step] of [
    [user('drafter', s), 'submit'],
    [user('approver', s), 'approve'],
    [user('signer', s), 'sign'],
  ] as const) {
    const res = await a.call(who, 'POST', `/documents/${id}/${step}`, {});
    if (res.status !== 200) throw new Error(`${step} failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return id;
}
