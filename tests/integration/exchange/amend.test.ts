import { documentWorkflowId, incomingId, receivedWorkflowId } from '../../../schemas/document';
import { api, startHarness, user, waitFor, type Api, type Harness } from '../helpers/harness';
import { recordHistory } from '../helpers/record-history';
import { OTHER, RECIPIENTS, SENDER, makePdf, signedDocument } from './support';

/**
 * Update (BusinessDocType 2) and replacement (3) of dispatched documents, and a recall after the sender's workflow
 * completed (the follow-up window), with real Temporal, NATS JetStream and FerretDB.
 */
let h: Harness;
let a: Api;
const S = SENDER.code;
const [R1, R2] = [RECIPIENTS[1]!, RECIPIENTS[2]!];

beforeAll(async () => {
  h = await startHarness({ exchange: true, env: { EXCHANGE_BACKOFF_MS: '200,500' }, pki: true });
  a = api(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const outgoing = async (id: string) => (await a.call(user('drafter', S), 'GET', `/documents/${id}`)).body;
const step = async (who: string, url: string, body: unknown = {}) => {
  const res = await a.call(who, 'POST', url, body);
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
const received = (agency: string, id: string) => h.waitForInbox(agency, id, (v) => v.verification && v.file);
const inState = (agency: string, id: string, state: string) =>
  h.waitForInbox(agency, id, (v) => v.state === state, { what: `${id} ${state} at ${agency}` });
const outgoingIn = (id: string, state: string) =>
  h.waitForOutgoing(S, id, (d) => d.state === state, { what: `${id} ${state} at the sender` });
const notices = async (username: string) =>
  (await a.call(username, 'GET', '/notifications')).body as {
    items: { id: string; kind: string; documentId: string; message: string; read: boolean }[];
    unread: number;
  };

/** Accepts, assigns to the clerk and completes a received copy (status 06). */
async function workThrough(agency: string, id: string, complete = true): Promise<void> {
  const clerk = user('clerk', agency);
  await step(clerk, `/inbox/${id}/accept`);
  await step(clerk, `/inbox/${id}/assign`, { username: user('approver', agency) });
  if (complete) await step(user('approver', agency), `/inbox/${id}/complete`);
}

async function issued(subject: string, recipients: string[]): Promise<{ id: string; number: number }> {
  const id = await signedDocument(a, subject, recipients);
  const res = await step(user('clerk', S), `/documents/${id}/issue`);
  return { id, number: res.number as number };
}

describe('replacement of a dispatched document (BusinessDocType 3)', () => {
  it('sends a new signed version linked to the old one, supersedes the old copy everywhere and notifies its holders', async () => {
    const old = await issued('Quyết định phân bổ kinh phí (bản có sai sót)', [R1, R2]);
    const oldInbox = incomingId(S, old.id);
    for (const r of [R1, R2]) await received(r, oldInbox);
    // R1 is working on it (accepted, assigned); R2 already completed it.
    await workThrough(R1, oldInbox, false);
    await workThrough(R2, oldInbox);
    await inState(R2, oldInbox, 'COMPLETED');

    // Only the drafter of the agency replaces; another agency does not see the document.
    const pdfBase64 = Buffer.from(await makePdf('Quyet dinh phan bo kinh phi (ban thay the)')).toString(
      'base64',
    );
    const body = { reason: 'Sửa số liệu tại Điều 1', fileName: 'Quyết định thay thế.pdf', pdfBase64 };
    expect((await a.call(user('clerk', S), 'POST', `/documents/${old.id}/replace`, body)).status).toBe(403);
    expect((await a.call(user('drafter', OTHER), 'POST', `/documents/${old.id}/replace`, body)).status).toBe(
      404,
    );
    const notPdf = await a.call(user('drafter', S), 'POST', `/documents/${old.id}/replace`, {
      ...body,
      pdfBase64: Buffer.from('not a pdf at all').toString('base64'),
    });
    expect(notPdf.status).toBe(422);
    const noReason = await a.call(user('drafter', S), 'POST', `/documents/${old.id}/replace`, {
      ...body,
      reason: ' ',
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.errors.map((e: { path: string }) => e.path)).toContain('body.reason');

    const created = await a.call(user('drafter', S), 'POST', `/documents/${old.id}/replace`, {
      ...body,
      keepNumber: true,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(await outgoing(id)).toMatchObject({
      state: 'DRAFT',
      subject: 'Quyết định phân bổ kinh phí (bản có sai sót)',
      amendment: { kind: 'replace', of: old.id, reason: 'Sửa số liệu tại Điều 1' },
    });
    // The old document is not superseded until the new version is dispatched.
    expect((await outgoing(old.id)).state).toBe('DISPATCHED');
    // One open update or replacement per document: a second one is refused while the first is open.
    const second = await a.call(user('drafter', S), 'POST', `/documents/${old.id}/replace`, body);
    expect(second.status).toBe(409);

    for (const [who, what] of [
      [user('drafter', S), 'submit'],
      [user('approver', S), 'approve'],
      [user('signer', S), 'sign'],
    ] as const)
      await step(who, `/documents/${id}/${what}`);
    const issue = await step(user('clerk', S), `/documents/${id}/issue`);
    expect(issue.number).toBe(old.number);

    const newInbox = incomingId(S, id);
    for (const r of [R1, R2]) {
      const copy = await received(r, newInbox);
      expect(copy).toMatchObject({
        state: 'RECEIVED',
        statusCode: '01',
        businessDocType: 3,
        supersedes: oldInbox,
        number: old.number,
      });
      expect(copy.verification.ok).toBe(true);
      const was = await inState(r, oldInbox, 'SUPERSEDED');
      expect(was.supersededBy).toMatchObject({ id: newInbox, kind: 'replace' });
      expect(was.history.map((e: { event: string }) => e.event)).toContain('incoming.superseded');
    }
    // The superseded copy is kept for the record but no longer actionable.
    expect((await a.call(user('approver', R1), 'POST', `/inbox/${oldInbox}/complete`, {})).status).toBe(409);
    expect((await a.call(user('clerk', R1), 'GET', `/inbox/${oldInbox}/file`)).status).toBe(200);

    // Everyone who held the old copy at R1 is told: its clerk and the assignee.
    for (const holder of [user('clerk', R1), user('approver', R1)]) {
      const got = await waitFor(async () => {
        const n = await notices(holder);
        return n.items.find((x) => x.documentId === oldInbox && x.kind === 'superseded');
      }, `notice to ${holder}`);
      expect(got.message).toContain('thay thế');
      expect((await a.call(holder, 'POST', `/notifications/${got.id}/read`, {})).status).toBe(200);
    }
    expect((await a.call(user('clerk', R2), 'POST', '/notifications/nope/read', {})).status).toBe(404);

    // The sender: the old document is superseded, the new one's statuses start over.
    const was = await outgoingIn(old.id, 'SUPERSEDED');
    expect(was.supersededBy).toMatchObject({ id, kind: 'replace' });
    const now = await outgoing(id);
    expect(now.recipients.map((r: { statusCode: string }) => r.statusCode)).toEqual(['01', '01']);
    expect(now.history.map((e: { event: string }) => e.event)).toContain('document.supersedes');
    // A superseded document cannot be replaced or updated again.
    expect(
      (await a.call(user('clerk', S), 'POST', `/documents/${old.id}/update`, { reason: 'x', subject: 'y' }))
        .status,
    ).toBe(409);

    await step(user('clerk', R1), `/inbox/${newInbox}/accept`);
    await h.waitForOutgoing(
      S,
      id,
      (d) => d.recipients.find((r: { agency: string }) => r.agency === R1)?.statusCode === '03',
      { what: 'the new version accepted at R1' },
    );
    await recordHistory(h, documentWorkflowId(S, id), 'document-workflow-replace.json');
    await recordHistory(h, receivedWorkflowId(R1, S, id), 'received-document-workflow-replacement.json');
    await recordHistory(h, receivedWorkflowId(R2, S, old.id), 'received-document-workflow-superseded.json');
  }, 150_000);
});

describe('update of a dispatched document (BusinessDocType 2)', () => {
  it('re-sends the same signed file with corrected metadata and supersedes the earlier copy', async () => {
    const old = await issued('Công văn về việc tổ chức hội nghị ngày 15', [R1]);
    const oldInbox = incomingId(S, old.id);
    await received(R1, oldInbox);
    await step(user('clerk', R1), `/inbox/${oldInbox}/accept`);
    const before = await outgoing(old.id);

    // Bad requests change nothing.
    expect((await a.call(user('drafter', S), 'POST', `/documents/${old.id}/update`, {})).status).toBe(403);
    const empty = await a.call(user('clerk', S), 'POST', `/documents/${old.id}/update`, { reason: 'Sửa' });
    expect(empty.status).toBe(400);
    const draft = await a.call(user('drafter', S), 'POST', '/documents', {
      type: 'CV',
      subject: 'Nháp',
      recipients: [R1],
      fileName: 'nhap.pdf',
      pdfBase64: Buffer.from(await makePdf()).toString('base64'),
    });
    expect(
      (
        await a.call(user('clerk', S), 'POST', `/documents/${draft.body.id}/update`, {
          reason: 'x',
          priority: 1,
        })
      ).status,
    ).toBe(409);
    expect((await outgoing(old.id)).version).toBe(before.version);

    const res = await a.call(user('clerk', S), 'POST', `/documents/${old.id}/update`, {
      reason: 'Đính chính ngày họp',
      subject: 'Công văn về việc tổ chức hội nghị ngày 16',
      priority: 1,
    });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    const newInbox = incomingId(S, id);
    const copy = await received(R1, newInbox);
    expect(copy).toMatchObject({
      subject: 'Công văn về việc tổ chức hội nghị ngày 16',
      businessDocType: 2,
      supersedes: oldInbox,
      number: old.number,
      notation: before.notation,
    });
    expect(copy.verification.ok).toBe(true);
    expect(copy.file.sha256).toBe(before.file.sha256);
    await inState(R1, oldInbox, 'SUPERSEDED');
    const sent = await outgoingIn(old.id, 'SUPERSEDED');
    expect(sent.supersededBy).toMatchObject({ id, kind: 'update' });
    const now = await outgoing(id);
    expect(now).toMatchObject({ number: old.number, amendment: { kind: 'update', of: old.id } });
    expect(now.history.map((e: { event: string }) => e.event)).not.toContain('document.numbered');
  }, 120_000);
});

describe('recall after every recipient completed (follow-up window)', () => {
  it('still reaches the completed copy, notifies its holders and ends RECALLED when the recipient agrees', async () => {
    const doc = await issued('Thông báo lịch tiếp công dân tháng 12', [R1]);
    const copyId = incomingId(S, doc.id);
    await received(R1, copyId);
    await workThrough(R1, copyId);
    await outgoingIn(doc.id, 'COMPLETED');
    await inState(R1, copyId, 'COMPLETED');

    const reason = 'Thông báo ban hành nhầm kỳ';
    expect((await a.call(user('clerk', S), 'POST', `/documents/${doc.id}/recall`, { reason })).status).toBe(
      200,
    );
    const asked = await h.waitForInbox(R1, copyId, (v) => !!v.recall, { what: 'the recall request at R1' });
    expect(asked.recall).toMatchObject({ reason });
    const notice = await waitFor(async () => {
      const n = await notices(user('approver', R1));
      return n.items.find((x) => x.documentId === copyId && x.kind === 'recall_requested');
    }, 'recall notice to the assignee');
    expect(notice.message).toContain(reason);

    expect((await step(user('clerk', R1), `/inbox/${copyId}/recall/agree`)).state).toBe('RECALLED');
    const recalled = await h.waitForOutgoing(
      S,
      doc.id,
      (d) => d.history.some((e: { event: string }) => e.event === 'document.recalled'),
      { what: 'the recall settled at the sender' },
    );
    expect(recalled.state).toBe('RECALLED');
    expect(recalled.recipients[0]).toMatchObject({ statusCode: '06', recall: '15' });
    expect(recalled.history.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['document.completed', 'document.recall_requested', 'document.recalled']),
    );
    await recordHistory(h, documentWorkflowId(S, doc.id), 'document-workflow-recall-after-completion.json');
  }, 120_000);
});
