import { documentWorkflowId, incomingId, receivedWorkflowId } from '../../../schemas/document';
import { api, startHarness, user, type Api, type Harness } from '../helpers/harness';
import { recordHistory } from '../helpers/record-history';
import { OTHER, RECIPIENTS, SENDER, createDraft, signedDocument } from './support';

let h: Harness;
let a: Api;
const S = SENDER.code;
const [AGREES, REFUSES] = [RECIPIENTS[1]!, RECIPIENTS[2]!];

beforeAll(async () => {
  h = await startHarness({ exchange: true, env: { EXCHANGE_BACKOFF_MS: '200,500' }, pki: true });
  a = api(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('recall of a dispatched document (BusinessDocType 1, statuses 13/15/16)', () => {
  it('refuses to recall a document that was never dispatched, and changes nothing', async () => {
    const id = await createDraft(a, 'Công văn chưa phát hành', [AGREES]);
    const res = await a.call(user('clerk', S), 'POST', `/documents/${id}/recall`, {
      reason: 'Nhầm nơi nhận',
    });
    expect(res.status).toBe(409);
    const doc = await a.call(user('drafter', S), 'GET', `/documents/${id}`);
    expect(doc.body.state).toBe('DRAFT');
    expect(doc.body.history.map((e: { event: string }) => e.event)).not.toContain(
      'document.recall_requested',
    );
  }, 30_000);

  it('sends a recall to every recipient; one agrees (copy recalled, kept, not actionable), one refuses with a reason', async () => {
    const id = await signedDocument(a, 'Quyết định phê duyệt dự toán (bản có sai sót)', [AGREES, REFUSES]);
    expect((await a.call(user('clerk', S), 'POST', `/documents/${id}/issue`, {})).status).toBe(200);
    const inboxId = incomingId(S, id);
    for (const r of [AGREES, REFUSES]) await h.waitForInbox(r, inboxId, (v) => !!v.verification);
    expect((await a.call(user('clerk', REFUSES), 'POST', `/inbox/${inboxId}/accept`, {})).status).toBe(200);

    // Only the clerk recalls, with a reason.
    expect(
      (await a.call(user('drafter', S), 'POST', `/documents/${id}/recall`, { reason: 'x' })).status,
    ).toBe(403);
    expect((await a.call(user('clerk', S), 'POST', `/documents/${id}/recall`, {})).status).toBe(400);
    const reason = 'Văn bản có sai sót về số liệu, đề nghị thu hồi';
    expect((await a.call(user('clerk', S), 'POST', `/documents/${id}/recall`, { reason })).status).toBe(200);

    for (const r of [AGREES, REFUSES]) {
      const got = await h.waitForInbox(r, inboxId, (v) => !!v.recall, { what: `recall request at ${r}` });
      expect(got.recall).toMatchObject({ reason });
      expect(got.history.map((e: { event: string }) => e.event)).toContain('incoming.recall_requested');
    }
    // An agency that did not receive the document cannot answer: 404.
    expect((await a.call(user('clerk', OTHER), 'POST', `/inbox/${inboxId}/recall/agree`, {})).status).toBe(
      404,
    );

    const agreed = await a.call(user('clerk', AGREES), 'POST', `/inbox/${inboxId}/recall/agree`, {});
    expect(agreed.status).toBe(200);
    expect(agreed.body.state).toBe('RECALLED');
    expect((await a.call(user('clerk', REFUSES), 'POST', `/inbox/${inboxId}/recall/refuse`, {})).status).toBe(
      400,
    );
    const refused = await a.call(user('clerk', REFUSES), 'POST', `/inbox/${inboxId}/recall/refuse`, {
      reason: 'Văn bản đã được triển khai thực hiện',
    });
    expect(refused.status).toBe(200);
    expect(refused.body.state).toBe('ACCEPTED');

    // The recalled copy is kept but no longer actionable; the refusing recipient carries on.
    expect((await a.call(user('clerk', AGREES), 'POST', `/inbox/${inboxId}/accept`, {})).status).toBe(409);
    expect((await a.call(user('clerk', AGREES), 'GET', `/inbox/${inboxId}/file`)).status).toBe(200);
    expect(
      (
        await a.call(user('clerk', REFUSES), 'POST', `/inbox/${inboxId}/assign`, {
          username: user('clerk', REFUSES),
        })
      ).status,
    ).toBe(200);

    const seen = await h.waitForOutgoing(
      S,
      id,
      (d) =>
        d.recipients.filter((r: { recall?: string }) => r.recall === '15' || r.recall === '16').length === 2,
      { what: 'both answers at the sender' },
    );
    const byAgency = Object.fromEntries(
      seen.recipients.map((r: { agency: string; recall: string; recallReason?: string }) => [r.agency, r]),
    );
    expect(byAgency[AGREES]).toMatchObject({ recall: '15' });
    expect(byAgency[REFUSES]).toMatchObject({
      recall: '16',
      recallReason: 'Văn bản đã được triển khai thực hiện',
    });
    expect(seen.history.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['document.recall_requested', 'document.recall_answered']),
    );

    // The refusing recipient finishes its work; the sender's workflow then completes.
    const assignee = user('clerk', REFUSES);
    expect((await a.call(assignee, 'POST', `/inbox/${inboxId}/complete`, {})).status).toBe(200);
    const done = await h.waitForOutgoing(S, id, (d) => d.state === 'COMPLETED');
    expect(done.recipients.find((r: { agency: string }) => r.agency === REFUSES)).toMatchObject({
      statusCode: '06',
      recall: '16',
    });
    await recordHistory(h, documentWorkflowId(S, id), 'document-workflow-recall.json');
    await recordHistory(
      h,
      receivedWorkflowId(AGREES, S, id),
      'received-document-workflow-recall-agreed.json',
    );
    await recordHistory(
      h,
      receivedWorkflowId(REFUSES, S, id),
      'received-document-workflow-recall-refused.json',
    );
  }, 90_000);
});
