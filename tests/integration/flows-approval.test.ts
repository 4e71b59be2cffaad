import { createPersonnelActivities } from '../../activities/personnel';
import { documentWorkflowId } from '../../schemas/document';
import { PersonnelCollections } from '../../schemas/pki';
import { api, startHarness, user, waitFor, type Api, type Harness } from './helpers/harness';
import { recordHistory } from './helpers/record-history';
import { SENDER, draftOfType } from './exchange/support';
import type { FlowDefinitionInput } from '../../schemas/flow';

/**
 * Approval flows inside the document workflow, with real Temporal, NATS and FerretDB. One flow "hour" lasts one
 * second here (EXCHANGE_FLOW_HOUR_SECONDS=1), so deadlines and reminders pass within the test.
 */
const S = SENDER.code;
const admin = user('agency_admin', S);
const extra = (n: number) => `can-bo${n}.${S.toLowerCase()}`;

let h: Harness;
let a: Api;

beforeAll(async () => {
  h = await startHarness({ env: { EXCHANGE_FLOW_HOUR_SECONDS: '1' } });
  a = api(h);
  for (let n = 1; n <= 8; n++) {
    await h.deps.identity.ensureUser(
      {
        username: extra(n),
        fullName: `Cán bộ ${n}`,
        title: 'Phó trưởng phòng',
        agency: S,
        roles: ['drafter'],
        active: true,
      },
      'demo',
    );
  }
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const flow = (
  name: string,
  type: string,
  stages: FlowDefinitionInput['stages'],
  title = `Quy trình ${name}`,
): FlowDefinitionInput => ({ name, title, scope: { agency: S }, documentTypes: [type], stages });

async function publish(def: FlowDefinitionInput): Promise<number> {
  const saved = await a.call(admin, 'POST', '/admin/flows', def);
  if (saved.status !== 201) throw new Error(`flow not saved: ${saved.status} ${JSON.stringify(saved.body)}`);
  const activated = await a.call(admin, 'POST', `/admin/flows/${def.name}/activate`, {
    version: saved.body.version,
  });
  expect(activated.status).toBe(200);
  return saved.body.version as number;
}

const doc = async (id: string) => (await a.call(user('drafter', S), 'GET', `/documents/${id}`)).body;
const act = (who: string, id: string, step: string, body: unknown = {}) =>
  a.call(who, 'POST', `/documents/${id}/${step}`, body);
const events = async (id: string) =>
  ((await doc(id)).history as { event: string; comment?: string }[]).map((e) => e.event);

describe('approval flows in the document workflow', () => {
  it('keeps the version a document was submitted under when the flow is edited, until an administrator migrates it', async () => {
    const v1 = await publish(
      flow('duyet-qd', 'QD', [
        { id: 'truong-phong', name: 'Trưởng phòng duyệt', approvers: { users: [user('approver', S)] } },
      ]),
    );
    const first = await draftOfType(a, 'QD', 'Quyết định khen thưởng');
    expect((await act(user('drafter', S), first, 'submit')).body.state).toBe('IN_APPROVAL');
    expect((await doc(first)).approval).toMatchObject({
      flow: { name: 'duyet-qd', version: v1 },
      stage: { id: 'truong-phong', index: 0, of: 1 },
      approvers: [user('approver', S)],
      required: 1,
    });

    const v2 = await publish(
      flow('duyet-qd', 'QD', [
        { id: 'pho-phong', name: 'Phó phòng duyệt', approvers: { users: [extra(1)] } },
        { id: 'truong-phong', name: 'Trưởng phòng duyệt', approvers: { users: [extra(2)] } },
      ]),
    );
    expect(v2).toBe(v1 + 1);
    // The document in approval still follows version 1; a new one follows version 2.
    expect((await doc(first)).approval.flow.version).toBe(v1);
    expect((await act(extra(1), first, 'approve')).status).toBe(403);
    const second = await draftOfType(a, 'QD', 'Quyết định thành lập tổ công tác');
    await act(user('drafter', S), second, 'submit');
    expect((await doc(second)).approval).toMatchObject({
      flow: { version: v2 },
      stage: { id: 'pho-phong' },
      approvers: [extra(1)],
    });

    // Only an administrator of the agency migrates; another agency's administrator does not see the document.
    expect((await a.call(user('drafter', S), 'POST', `/admin/documents/${first}/migrate-flow`)).status).toBe(
      403,
    );
    expect(
      (await a.call(user('agency_admin', '000.01.02.H29'), 'POST', `/admin/documents/${first}/migrate-flow`))
        .status,
    ).toBe(404);
    const migrated = await a.call(admin, 'POST', `/admin/documents/${first}/migrate-flow`);
    expect(migrated.status).toBe(200);
    expect(migrated.body).toMatchObject({ state: 'IN_APPROVAL', flow: { name: 'duyet-qd', version: v2 } });
    expect((await act(user('approver', S), first, 'approve')).status).toBe(403);
    expect((await act(extra(1), first, 'approve')).body.state).toBe('IN_APPROVAL');
    expect((await act(extra(2), first, 'approve')).body.state).toBe('APPROVED');
    const audit = await a.call(admin, 'GET', `/audit?documentId=${first}`);
    const migration = audit.body.items.find((e: { type: string }) => e.type === 'document.flow_migrated');
    expect(migration).toMatchObject({
      actor: admin,
      details: { from: { name: 'duyet-qd', version: v1 }, to: { name: 'duyet-qd', version: v2 } },
    });
    await recordHistory(h, documentWorkflowId(S, first), 'document-workflow-migrate.json');
  }, 60_000);

  it('closes a quorum stage after N distinct listed approvers and refuses anyone else', async () => {
    await publish(
      flow('duyet-kh', 'KH', [
        {
          id: 'hoi-dong',
          name: 'Hội đồng thẩm định (2/3)',
          approvers: { users: [user('approver', S), extra(1), extra(2)] },
          mode: { quorum: 2 },
        },
        { id: 'lanh-dao', name: 'Lãnh đạo duyệt', approvers: { users: [extra(3)] }, mode: 'all' },
      ]),
    );
    const id = await draftOfType(a, 'KH', 'Kế hoạch chuyển đổi số năm 2026');
    await act(user('drafter', S), id, 'submit');
    expect((await doc(id)).approval).toMatchObject({ stage: { id: 'hoi-dong' }, required: 2, approvals: [] });

    const refused = await act(user('signer', S), id, 'approve');
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/approvers/);
    expect((await act(user('approver', S), id, 'approve', { comment: 'Đồng ý' })).body.state).toBe(
      'IN_APPROVAL',
    );
    // The same person twice does not count twice.
    expect((await act(user('approver', S), id, 'approve')).status).toBe(409);
    expect((await doc(id)).approval).toMatchObject({
      stage: { id: 'hoi-dong' },
      approvals: [user('approver', S)],
    });
    expect((await act(extra(1), id, 'approve')).body.state).toBe('IN_APPROVAL');
    expect((await doc(id)).approval).toMatchObject({ stage: { id: 'lanh-dao' }, approvers: [extra(3)] });
    expect((await act(extra(2), id, 'approve')).status).toBe(403);
    expect((await act(extra(3), id, 'approve')).body.state).toBe('APPROVED');
    expect(await events(id)).toEqual(
      expect.arrayContaining(['document.stage_completed', 'document.approval_step', 'document.approved']),
    );
  }, 60_000);

  it('reminds before a stage deadline, escalates to a role when it passes, and returns to the drafter at the next', async () => {
    await publish(
      flow('duyet-tb', 'TB', [
        {
          id: 'chuyen-vien',
          name: 'Chuyên viên thẩm định',
          approvers: { users: [extra(4)] },
          deadlineHours: 3,
          reminderBeforeHours: 1.5,
          escalation: { kind: 'role', role: 'approver' },
        },
        {
          id: 'lanh-dao',
          name: 'Lãnh đạo duyệt',
          approvers: { users: [extra(5)] },
          deadlineHours: 2,
          escalation: { kind: 'return_to_drafter' },
        },
      ]),
    );
    const id = await draftOfType(a, 'TB', 'Thông báo lịch tiếp công dân');
    await act(user('drafter', S), id, 'submit');
    expect((await doc(id)).approval.deadlineAt).toEqual(expect.any(String));

    await waitFor(
      async () => ((await events(id)).includes('document.approval_reminder') ? true : undefined),
      'reminder',
      10_000,
    );
    expect(await events(id)).not.toContain('document.approval_overdue');
    const escalated = await h.waitForOutgoing(
      S,
      id,
      (d) => d.history.some((e: { event: string }) => e.event === 'document.escalated'),
      { what: 'escalation', timeoutMs: 10_000 },
    );
    expect(escalated.overdue).toBe(true);
    expect(escalated.approval).toMatchObject({
      stage: { id: 'chuyen-vien' },
      approvers: [user('approver', S)],
      overdue: true,
      escalated: true,
    });
    const audit = await a.call(admin, 'GET', `/audit?documentId=${id}`);
    expect(audit.body.items.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining([
        'document.approval_reminder',
        'document.approval_overdue',
        'document.escalated',
      ]),
    );
    // The original approver can no longer decide; the role holder can.
    expect((await act(extra(4), id, 'approve')).status).toBe(403);
    expect((await act(user('approver', S), id, 'approve')).body.state).toBe('IN_APPROVAL');

    const returned = await h.waitForOutgoing(S, id, (d) => d.state === 'RETURNED', {
      what: 'return to drafter',
      timeoutMs: 10_000,
    });
    expect(returned.history.at(-1)).toMatchObject({ event: 'document.returned', actor: 'system' });
    expect(returned.history.at(-1).comment).toMatch(/Quá hạn/);
    expect(returned.overdue).toBe(true);

    await recordHistory(h, documentWorkflowId(S, id), 'document-workflow-flow-stages.json');
  }, 60_000);

  it('re-routes work waiting on a person who left to the successor, or back to the drafter', async () => {
    await publish(flow('duyet-cv', 'CV', [{ id: 'duyet', name: 'Duyệt', approvers: { users: [extra(6)] } }]));
    await publish(flow('duyet-gm', 'GM', [{ id: 'duyet', name: 'Duyệt', approvers: { users: [extra(7)] } }]));
    const toSuccessor = await draftOfType(a, 'CV', 'Công văn đôn đốc báo cáo');
    const toDrafter = await draftOfType(a, 'GM', 'Giấy mời họp giao ban');
    const toSign = await draftOfType(a, 'BC', 'Báo cáo tình hình kinh tế xã hội');
    for (const id of [toSuccessor, toDrafter, toSign]) await act(user('drafter', S), id, 'submit');
    expect((await act(user('approver', S), toSign, 'approve')).body.state).toBe('APPROVED');

    const withSuccessor = await a.call(admin, 'POST', '/pki/personnel-changes', {
      leaver: extra(6),
      successor: extra(8),
      note: 'Điều động công tác',
    });
    expect(withSuccessor.status).toBe(201);
    expect(withSuccessor.body.reroutedDocuments).toBe(1);
    expect((await doc(toSuccessor)).approval.approvers).toEqual([extra(8)]);
    expect(await events(toSuccessor)).toContain('document.rerouted');

    // The step retried after a crash between the update and its bookkeeping: the read model no longer lists the
    // document, yet the retry re-sends the same update id, Temporal answers with the first outcome, and the
    // document is counted once and re-routed once.
    await h.deps
      .db!.collection(PersonnelCollections.reroutes)
      .updateOne({ _id: withSuccessor.body.id }, { $set: { moved: [] } });
    const retried = createPersonnelActivities({
      db: h.deps.db!,
      pki: h.deps.pki,
      audit: h.deps.audit,
      temporalClient: () => h.deps.temporal!,
    });
    const step = {
      changeId: withSuccessor.body.id,
      agency: S,
      leaver: extra(6),
      successor: extra(8),
      at: '',
    };
    expect(await retried.rerouteLeaverDocuments(step)).toBe(1);
    expect((await events(toSuccessor)).filter((e) => e === 'document.rerouted')).toHaveLength(1);
    expect((await act(extra(8), toSuccessor, 'approve')).body.state).toBe('APPROVED');

    const noSuccessor = await a.call(admin, 'POST', '/pki/personnel-changes', { leaver: extra(7) });
    expect(noSuccessor.body.reroutedDocuments).toBe(1);
    const returned = await doc(toDrafter);
    expect(returned.state).toBe('RETURNED');
    expect(returned.history.at(-1).comment).toContain(extra(7));

    // The agency's only signer leaves: approved documents go to the successor for signature.
    const signerLeaves = await a.call(admin, 'POST', '/pki/personnel-changes', {
      leaver: user('signer', S),
      successor: extra(8),
    });
    // Every approved document of the agency waited on its only signer (including earlier tests' documents).
    expect(signerLeaves.body.reroutedDocuments).toBeGreaterThanOrEqual(2);
    expect((await doc(toSign)).designatedSigner).toBe(extra(8));
    expect((await doc(toSuccessor)).designatedSigner).toBe(extra(8));
    expect((await act(user('approver', S), toSign, 'sign')).status).toBe(403);
    await recordHistory(h, documentWorkflowId(S, toSuccessor), 'document-workflow-reroute.json');
    await recordHistory(h, documentWorkflowId(S, toDrafter), 'document-workflow-reroute-returned.json');
  }, 60_000);
});
