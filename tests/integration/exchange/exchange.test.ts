import { api, startHarness, user, type Api, type Harness } from '../helpers/harness';
import { recordHistory } from '../helpers/record-history';
import { OTHER, RECIPIENTS, SENDER, createDraft } from './support';
import { incomingId } from '../../../schemas/document';

let h: Harness;
let a: Api;

beforeAll(async () => {
  h = await startHarness({
    exchange: true,
    env: { EXCHANGE_ACK_TIMEOUT_SECONDS: '3', EXCHANGE_MAX_RESENDS: '1', EXCHANGE_BACKOFF_MS: '200,500' },
    pki: true,
  });
  a = api(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('exchange of one document between four agencies', () => {
  it('carries a Vietnamese document from draft to 06 at three recipients, with every status back at the sender', async () => {
    const s = SENDER.code;
    const subject = 'Quyết định về việc tổ chức hội nghị — Ủy ban nhân dân xã Tân Phú';
    const id = await createDraft(a, subject);

    // Wrong user, wrong role, wrong state are refused before anything enters history.
    expect((await a.call(user('approver', s), 'POST', `/documents/${id}/submit`, {})).status).toBe(403);
    expect((await a.call(user('approver', s), 'POST', `/documents/${id}/approve`, {})).status).toBe(409);
    expect((await a.call(user('drafter', s), 'POST', `/documents/${id}/submit`, {})).body.state).toBe(
      'IN_APPROVAL',
    );
    expect((await a.call(user('signer', s), 'POST', `/documents/${id}/approve`, {})).status).toBe(403);
    expect(
      (await a.call(user('approver', s), 'POST', `/documents/${id}/approve`, { comment: 'Đồng ý' })).body
        .state,
    ).toBe('APPROVED');
    expect((await a.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {})).status).toBe(409);
    expect((await a.call(user('signer', s), 'POST', `/documents/${id}/sign`, {})).body.state).toBe('SIGNED');
    const issued = await a.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {});
    expect(issued.status).toBe(200);
    expect(issued.body.number).toBeGreaterThanOrEqual(1);
    expect(issued.body.notation).toBe('QĐ-UBND');

    // Another agency cannot see it: 404, never 403.
    expect((await a.call(user('clerk', OTHER), 'GET', `/documents/${id}`)).status).toBe(404);

    const inboxId = incomingId(s, id);
    for (const r of RECIPIENTS) {
      const item = await h.waitForInbox(r, inboxId, (v) => !!v.verification);
      expect(item.subject).toBe(subject);
      expect(item.from).toEqual({ code: s, name: 'Ủy ban nhân dân xã Tân Phú' });
      expect(item.verification.reason).toBeUndefined();
      expect(item.verification).toMatchObject({ ok: true, hashMatches: true });
      expect(item.statusCode).toBe('01');

      const accepted = await a.call(user('clerk', r), 'POST', `/inbox/${inboxId}/accept`, {});
      expect(accepted.status).toBe(200);
      expect(accepted.body.incomingNumber).toBe(1);
      // Before assignment the state, not the person, is wrong.
      expect((await a.call(user('approver', r), 'POST', `/inbox/${inboxId}/process`, {})).status).toBe(409);
      expect(
        (
          await a.call(user('clerk', r), 'POST', `/inbox/${inboxId}/assign`, {
            username: user('approver', r),
          })
        ).status,
      ).toBe(200);
      // Only the assignee processes.
      expect((await a.call(user('clerk', r), 'POST', `/inbox/${inboxId}/process`, {})).status).toBe(403);
      expect((await a.call(user('approver', r), 'POST', `/inbox/${inboxId}/process`, {})).status).toBe(200);
      expect((await a.call(user('approver', r), 'POST', `/inbox/${inboxId}/complete`, {})).status).toBe(200);

      const file = await a.call(user('clerk', r), 'GET', `/inbox/${inboxId}/file`);
      expect(file.status).toBe(200);
      expect(file.headers['content-type']).toBe('application/pdf');
    }

    const done = await h.waitForOutgoing(s, id, (d) => d.state === 'COMPLETED');
    expect(
      done.recipients.map((r: { agency: string; statusCode: string }) => [r.agency, r.statusCode]).sort(),
    ).toEqual(RECIPIENTS.map((r) => [r, '06']).sort());
    expect(done.edxmlDocumentId).toMatch(
      new RegExp(`^${s.replace(/\./g, '\\.')},\\d{4}/\\d{2}/\\d{2},\\d+/QĐ-UBND$`),
    );
    const events = await a.call(user('drafter', s), 'GET', `/audit?documentId=${id}`);
    const types = events.body.items.map((e: { type: string }) => e.type);
    for (const t of [
      'document.created',
      'document.submitted',
      'document.approved',
      'document.signed',
      'document.numbered',
      'document.sealed',
      'document.dispatched',
      'document.status_received',
      'document.completed',
    ])
      expect(types).toContain(t);
    expect(types.filter((t: string) => t === 'document.status_received')).toHaveLength(3 * 5);

    // Dispatches and statuses audited together (patch `batched-records-v1`) still leave one history line each.
    const history = (await a.call(user('drafter', s), 'GET', `/documents/${id}`)).body.history as {
      event: string;
    }[];
    expect(history.filter((e) => e.event === 'document.dispatched')).toHaveLength(3);
    expect(history.filter((e) => e.event === 'document.status_received')).toHaveLength(3 * 5);
    const copy = await a.call(user('clerk', RECIPIENTS[0]!), 'GET', `/inbox/${inboxId}`);
    expect(copy.body.history.map((e: { event: string }) => e.event).slice(0, 3)).toEqual([
      'incoming.received',
      'incoming.verified',
      'incoming.status_sent',
    ]);

    // Histories of the batched path (the ones recorded before the patch stay as they were).
    await recordHistory(h, `doc:${s}:${id}`, 'document-workflow-parallel-issue.json');
    await recordHistory(h, `recv:${RECIPIENTS[0]}:${inboxId}`, 'received-document-workflow-batched.json');

    // The file the sender holds is what every recipient received.
    const sent = await a.call(user('drafter', s), 'GET', `/documents/${id}/file`);
    const got = await a.call(user('clerk', RECIPIENTS[0]!), 'GET', `/inbox/${inboxId}/file`);
    expect(Buffer.compare(sent.raw, got.raw)).toBe(0);
  }, 120_000);

  it('returns a rejected draft to the drafter and accepts it when resubmitted', async () => {
    const s = SENDER.code;
    const id = await createDraft(a, 'Kế hoạch kiểm tra cuối năm');
    await a.call(user('drafter', s), 'POST', `/documents/${id}/submit`, {});
    expect((await a.call(user('approver', s), 'POST', `/documents/${id}/reject`, {})).status).toBe(400);
    const rejected = await a.call(user('approver', s), 'POST', `/documents/${id}/reject`, {
      reason: 'Bổ sung số liệu quý IV',
    });
    expect(rejected.body.state).toBe('RETURNED');
    const detail = await a.call(user('drafter', s), 'GET', `/documents/${id}`);
    expect(detail.body.history.at(-1)).toMatchObject({
      event: 'document.returned',
      comment: 'Bổ sung số liệu quý IV',
    });
    expect((await a.call(user('drafter', s), 'POST', `/documents/${id}/submit`, {})).body.state).toBe(
      'IN_APPROVAL',
    );
    expect((await a.call(user('approver', s), 'POST', `/documents/${id}/approve`, {})).body.state).toBe(
      'APPROVED',
    );
    expect((await a.call(user('drafter', s), 'POST', `/documents/${id}/withdraw`, {})).body.state).toBe(
      'WITHDRAWN',
    );
    expect((await a.call(user('drafter', s), 'POST', `/documents/${id}/submit`, {})).status).toBe(409);
  }, 60_000);
});
