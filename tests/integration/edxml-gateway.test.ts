/**
 * The edXML gateway to the national exchange platform, end to end against a peer process that speaks only edXML
 * over HTTP (helpers/edxml-peer.ts): the peer sends a signed envelope to a commune, the commune's clerk accepts it
 * and the peer receives 01 then 03 as signed edXML statuses; the commune sends a document to the peer's ministry and
 * the peer's own parser accepts the envelope, its attachment and its signature, and its 01 comes back to the
 * sender. Then the inbox's refusals: media types, bodies, credentials, senders, signatures.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envelopeToEdxml, statusToEdxml } from '../../edxml/lienthong';
import { signEdxml } from '../../edxml/signature';
import { writeEdxml } from '../../edxml/write';
import { startAppEdxmlGateway, type EdxmlGateway } from '../../api/edxml-gateway';
import { createLogger } from '../../infra/logger';
import { signPdf } from '../../pdf';
import { createKeySigner } from '../../pki';
import { incomingId } from '../../schemas/document';
import { DocumentStore } from '../../store/document-store';
import { ENVELOPE_VERSION, STATUS_VERSION, type Envelope } from '../../schemas/edxml';
import type { EdxmlEnvelope } from '../../schemas/edxml-wire';
import { createTestPki, type TestPki } from '../helpers/test-pki';
import { makePdf } from './exchange/support';
import { startHarness, user, waitFor, type Harness } from './helpers/harness';
import { EdxmlPeerProcess, toPem } from './helpers/edxml-peer-process';
import type { PeerRecord } from './helpers/edxml-peer';

const EXT = { code: '000.00.00.G22', name: 'Bộ Nội vụ' };
const COMMUNE = { code: '000.01.01.H29', name: 'Ủy ban nhân dân xã Tân Phú' };
const TOKEN = `edxml-inbox-${randomUUID()}`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let h: Harness;
let peer: EdxmlPeerProcess;
let peerPki: TestPki;
let gateway: EdxmlGateway | undefined;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lienthong-edxml-'));
  // The platform's own CA: not the province's; the province trusts it only through EDXML_TRUST_ANCHORS.
  peerPki = await createTestPki();
  const anchors = join(dir, 'platform-anchors.pem');
  writeFileSync(anchors, toPem(peerPki.root.certificate));
  peer = await EdxmlPeerProcess.start({
    keyPem: peerPki.organisation.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    chainPem: [peerPki.organisation.certificate, peerPki.issuing.certificate].map(toPem).join(''),
    organId: EXT.code,
    organName: EXT.name,
  });
  h = await startHarness({
    exchange: true,
    pki: true,
    env: { EDXML_INBOX_TOKEN: TOKEN, EDXML_TRUST_ANCHORS: anchors, EDXML_GATEWAY_URL: `${peer.url}/edxml` },
  });
  const admin = await h.loginAs('admin');
  const created = await h.api(admin).post('/admin/agencies', {
    code: EXT.code,
    name: EXT.name,
    level: 'ministry',
    parent: null,
    external: true,
  });
  expect(created.status).toBe(201);
  expect(created.body.external).toBe(true);
  gateway = await startAppEdxmlGateway(h.deps, h.config, createLogger(h.config.logLevel, 'test'));
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  const address = h.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await peer.configure({
    inboxUrl: `http://127.0.0.1:${port}/api/v1/edxml/inbox`,
    token: TOKEN,
    anchorsPem: toPem(await h.deps.pki.caCertificate('root')),
  });
}, 180_000);

afterAll(async () => {
  await gateway?.stop();
  await h?.close();
  await peer?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A PDF signed for the ministry as Decree 30 wants (leader, then the agency), with certificates the province trusts. */
async function ministryPdf(text: string): Promise<Uint8Array> {
  const now = new Date(Date.now() - 5 * 60_000);
  let pdf = await makePdf(text);
  for (const [profile, commonName] of [
    ['personal', 'Nguyễn Thị Bình'],
    ['organisation', EXT.name],
  ] as const) {
    const issued = await h.deps.pki.issue(
      {
        agency: EXT.code,
        profile,
        commonName,
        organisation: EXT.name,
        username: profile === 'personal' ? `bnv.${randomUUID().slice(0, 8)}` : undefined,
      },
      now,
      'subscriber',
    );
    pdf = await signPdf(pdf, {
      signer: createKeySigner(issued.privateKey, issued.chain),
      signingTime: new Date(),
    });
  }
  return pdf;
}

/** The ministry's document as an edXML model (the peer writes and signs it). */
function ministryEnvelope(documentId: string, subject: string, pdf: Uint8Array, from = EXT): EdxmlEnvelope {
  const hash = sha256(pdf);
  const env: Envelope = {
    version: ENVELOPE_VERSION,
    messageId: 'unused',
    from: { code: from.code, name: from.name },
    to: [COMMUNE],
    documentId,
    code: { number: Number(documentId.split(',')[2]!.split('/')[0]), notation: 'BNV-VP' },
    promulgationInfo: { place: 'Hà Nội', date: '2026-11-28' },
    documentType: { code: 'CV', name: 'Công văn' },
    subject,
    signerInfo: { competence: 'KT. BỘ TRƯỞNG', position: 'Thứ trưởng', fullName: 'Nguyễn Thị Bình' },
    priority: 1,
    attachments: [
      { name: 'Công văn.pdf', contentType: 'application/pdf', sha256: hash, size: pdf.length, ref: 'x' },
    ],
    businessDocType: 0,
    sentAt: new Date().toISOString(),
    attempt: 1,
  };
  const model = envelopeToEdxml(env);
  model.manifest = model.manifest.map(({ description: _d, ...rest }) => rest);
  model.attachments = [
    {
      contentId: `sha256:${hash}`,
      contentType: 'application/pdf',
      attachmentName: 'Công văn.pdf',
      contentBase64: Buffer.from(pdf).toString('base64'),
    },
  ];
  return model;
}

const peerGot = (predicate: (r: PeerRecord[]) => boolean, what: string) =>
  waitFor(
    async () => {
      const records = await peer.received();
      return predicate(records) ? records : undefined;
    },
    what,
    60_000,
  );

describe('edXML gateway with the national platform', () => {
  it('takes a signed envelope from the platform into the receipt workflow and sends 01 then 03 back as edXML', async () => {
    const subject = 'Về việc triển khai liên thông văn bản điện tử với Ủy ban nhân dân xã Tân Phú';
    const documentId = `${EXT.code},2026/11/28,${1000 + Math.floor(Math.random() * 8000)}/BNV-VP`;
    const model = ministryEnvelope(documentId, subject, await ministryPdf('Cong van cua Bo Noi vu'));
    const sent = await peer.send({ model });
    expect(sent.status).toBe(202);
    expect(sent.body).toMatchObject({
      kind: 'envelope',
      documentId,
      recipients: [COMMUNE.code],
      duplicate: false,
    });
    expect(sent.body.signer).toContain('Ủy ban nhân dân xã Tân Phú'); // the test CA's organisation name

    const inboxId = incomingId(EXT.code, sent.body.messageId as string);
    const item = await h.waitForInbox(
      COMMUNE.code,
      inboxId,
      (v) => !!v.verification && (v.statusCode === '01' || v.statusCode === '02'),
      { what: 'the verdict on receipt' },
    );
    expect(item.verification).toMatchObject({ ok: true, hashMatches: true });
    expect(item.statusCode).toBe('01');
    expect(item.subject).toBe(subject);
    expect(item.from).toEqual(EXT);

    // The same envelope again: nothing new is started.
    const again = await peer.send({ model });
    expect(again.status).toBe(202);
    expect(again.body.duplicate).toBe(true);

    // The platform is down for the first delivery of 03: NATS redelivers it after the backoff.
    await peerGot(
      (r) => r.some((x) => x.kind === 'status' && x.documentId === documentId && x.statusCode === '01'),
      '01 at the platform',
    );
    await peer.failNext(1, 503);
    const token = await h.login(user('clerk', COMMUNE.code));
    expect((await h.api(token).post(`/inbox/${inboxId}/accept`, {})).status).toBe(200);

    const records = await peerGot(
      (r) => r.filter((x) => x.kind === 'status' && x.documentId === documentId).length >= 2,
      'statuses 01 and 03 at the platform',
    );
    const statuses = records.filter((x) => x.kind === 'status' && x.documentId === documentId);
    expect(statuses.map((s) => s.statusCode)).toEqual(['01', '03']);
    expect((await peer.refused()).map((r) => r.status)).toEqual([503]);
    for (const s of statuses) {
      expect(s.from).toBe(COMMUNE.code);
      expect(s.fromName).toBe(COMMUNE.name);
      expect(s.to).toEqual([EXT.code]);
      expect(s.signature).toMatchObject({ intact: true, coversHeader: true, valid: true });
    }
  }, 120_000);

  it('delivers a commune document to the ministry as signed edXML the platform reads, and takes its 01 back', async () => {
    const s = COMMUNE.code;
    const subject = 'Báo cáo kết quả thực hiện liên thông văn bản của Ủy ban nhân dân xã Tân Phú';
    const pdf = await makePdf('Bao cao cua xa Tan Phu');
    const a = (role: 'drafter' | 'approver' | 'signer' | 'clerk') => h.login(user(role, s));
    const drafter = h.api(await a('drafter'));
    const created = await drafter.post('/documents', {
      type: 'CV',
      subject,
      recipients: [EXT.code],
      priority: 0,
      fileName: 'Báo cáo.pdf',
      pdfBase64: Buffer.from(pdf).toString('base64'),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await drafter.post(`/documents/${id}/submit`, {})).status).toBe(200);
    expect((await h.api(await a('approver')).post(`/documents/${id}/approve`, {})).status).toBe(200);
    expect((await h.api(await a('signer')).post(`/documents/${id}/sign`, {})).status).toBe(200);
    const issued = await h.api(await a('clerk')).post(`/documents/${id}/issue`, {});
    expect(issued.status).toBe(200);

    const records = await peerGot(
      (r) => r.some((x) => x.kind === 'envelope' && x.subject === subject),
      'the envelope at the platform',
    );
    const got = records.find((x) => x.kind === 'envelope' && x.subject === subject)!;
    expect(got.from).toBe(s);
    expect(got.fromName).toBe(COMMUNE.name);
    expect(got.to).toContain(EXT.code);
    expect(got.signature).toMatchObject({ intact: true, coversHeader: true, valid: true });
    const signedFile = await drafter.get(`/documents/${id}/file`);
    expect(signedFile.status).toBe(200);
    expect(got.attachments).toEqual([
      expect.objectContaining({ contentType: 'application/pdf', sha256: sha256(signedFile.raw) }),
    ]);

    // The platform's 01 (signed edXML to our inbox) reaches the sender's workflow.
    const doc = await h.waitForOutgoing(s, id, (d) =>
      d.recipients?.some(
        (r: { agency: string; statusCode: string }) => r.agency === EXT.code && r.statusCode === '01',
      ),
    );
    expect(doc.edxmlDocumentId).toBe(got.documentId);
  }, 180_000);
});

describe('edXML gateway failures', () => {
  it('dead-letters a message the platform refuses (4xx) instead of retrying it', async () => {
    const documentId = `${EXT.code},2026/11/29,${1000 + Math.floor(Math.random() * 8000)}/BNV-VP`;
    await peer.failNext(1, 400);
    const sent = await peer.send({
      model: ministryEnvelope(documentId, 'Công văn thử từ chối', await ministryPdf('Thu tu choi')),
    });
    expect(sent.status).toBe(202);
    // The commune's 01 is refused by the platform with 400: permanent, so it is dead-lettered at once.
    const letters = await waitFor(async () => {
      const all = await new DocumentStore(h.deps.db!).listDeadLetters(EXT.code);
      return all.length > 0 ? all : undefined;
    }, 'a dead letter of the gateway');
    expect(letters[0]!.reason).toMatch(/^the platform answered 400/);
    expect(letters[0]!.deliveries).toBe(1);
    expect(JSON.parse(letters[0]!.body)).toMatchObject({ statusCode: '01', edxmlDocumentId: documentId });
  }, 90_000);
});

describe('edXML inbox refusals', () => {
  const post = (body: string, headers: Record<string, string>) =>
    h.app.inject({ method: 'POST', url: '/api/v1/edxml/inbox', headers, payload: body });
  const xmlHeaders = (token = TOKEN) => ({
    'content-type': 'application/xml',
    authorization: `Bearer ${token}`,
  });

  it('answers problem+json for credentials, media types and bodies, never 500', async () => {
    const problem = async (res: Awaited<ReturnType<typeof post>>, status: number, code: string) => {
      expect({ status: res.statusCode, code: res.json().code }).toEqual({ status, code });
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      return res.json() as { detail: string };
    };
    await problem(await post('<x/>', { 'content-type': 'application/xml' }), 401, 'UNAUTHENTICATED');
    await problem(await post('<x/>', xmlHeaders('not-the-token')), 401, 'INVALID_CREDENTIALS');
    const clerk = await h.login(user('clerk', COMMUNE.code));
    await problem(await post('<x/>', xmlHeaders(clerk)), 403, 'FORBIDDEN');
    await problem(
      await post('{"a":1}', { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await problem(
      await post('hello', { 'content-type': 'text/plain', authorization: `Bearer ${TOKEN}` }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(
      (await problem(await post('<html><body/></html>', xmlHeaders()), 400, 'BAD_REQUEST')).detail,
    ).toMatch(/<html>/);
    await problem(
      await post('<edXMLEnvelope><unclosed></edXMLEnvelope>', {
        ...xmlHeaders(),
        'content-type': 'text/xml',
      }),
      400,
      'BAD_REQUEST',
    );
  });

  it('refuses unsigned, untrusted and misattributed messages through the peer', async () => {
    const pdf = await makePdf('x');
    const model = ministryEnvelope(`${EXT.code},2026/11/28,77/BNV-VP`, 'Không ký', pdf);
    const unsigned = await peer.send({ model, sign: false });
    expect({ status: unsigned.status, code: unsigned.body.code }).toEqual({
      status: 422,
      code: 'SIGNATURE_INVALID',
    });
    // The platform may not speak for an agency of the province.
    const forged = await peer.send({
      model: ministryEnvelope(`${COMMUNE.code},2026/11/28,78/UBND`, 'Giả mạo', pdf, COMMUNE),
    });
    expect({ status: forged.status, code: forged.body.code }).toEqual({ status: 403, code: 'FORBIDDEN' });
    // A status for a document this gateway never sent.
    const status = statusToEdxml({
      version: STATUS_VERSION,
      messageId: 'x',
      edxmlDocumentId: `${COMMUNE.code},2026/11/28,999999/UBND`,
      from: EXT,
      to: COMMUNE.code,
      statusCode: '03',
      at: new Date().toISOString(),
    });
    const unknown = await peer.send({ model: status });
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('refuses a signature by a CA the province does not trust', async () => {
    const stranger = await createTestPki();
    const xml = signEdxml(
      writeEdxml(ministryEnvelope(`${EXT.code},2026/11/28,79/BNV-VP`, 'Lạ', await makePdf('y'))),
      stranger.organisation.privateKey,
      [stranger.organisation.certificate, stranger.issuing.certificate],
    );
    const res = await post(xml, xmlHeaders());
    expect({ status: res.statusCode, code: res.json().code }).toEqual({
      status: 422,
      code: 'CERT_UNTRUSTED',
    });
  });
});
