import { PDFDocument, StandardFonts } from 'pdf-lib';
import type { Harness } from '../helpers/harness';
import { TEST_AGENCIES } from '../helpers/harness';
import { demoUsername } from '../../../store/demo-province';

/** Sender and recipients of the exchange tests: a commune sends to the province and two departments. */
export const SENDER = TEST_AGENCIES.find((a) => a.code === '000.01.01.H29')!;
export const RECIPIENTS = ['000.00.00.H29', '000.00.32.H29', '000.00.33.H29'];
export const OTHER = '000.01.02.H29';

export const user = (role: 'drafter' | 'approver' | 'signer' | 'clerk' | 'agency_admin', agency: string) =>
  demoUsername(role, agency);

/** A small one-page PDF (pdf-lib). */
export async function makePdf(text = 'Quyet dinh ve viec to chuc hoi nghi'): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([595.28, 841.89]);
  page.drawText(text, { x: 72, y: 760, size: 12, font });
  return doc.save({ useObjectStreams: false });
}

/** The CA and every test agency's organisation and signer certificates. */
export async function preparePki(h: Harness): Promise<void> {
  // Issued a while ago: a signing time (whole seconds in /M) never precedes a certificate's notBefore.
  const now = new Date(Date.now() - 10 * 60_000);
  await h.deps.pki.ensureCa(now);
  for (const agency of TEST_AGENCIES) {
    const signer = await h.deps.identity.getUser(user('signer', agency.code));
    await h.deps.pki.ensureAgencyCertificates(agency, signer ? [signer] : [], now);
  }
}

export interface Api {
  call(
    username: string,
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    // Test responses are read field by field; the API's own schemas validate them on the server side.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  ): Promise<{ status: number; body: any; raw: Buffer; headers: Record<string, unknown> }>;
}

export function api(h: Harness): Api {
  const tokens = new Map<string, string>();
  return {
    async call(username, method, url, payload) {
      let token = tokens.get(username);
      if (!token) {
        token = await h.login(username);
        tokens.set(username, token);
      }
      const res = await h.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${token}` },
        payload: payload as never,
      });
      let body: unknown;
      try {
        body = res.json();
      } catch {
        body = undefined;
      }
      return { status: res.statusCode, body, raw: res.rawPayload, headers: res.headers };
    },
  };
}

/** Polls until `probe` returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
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
