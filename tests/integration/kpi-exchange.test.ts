import { incomingId } from '../../schemas/document';
import { vnDay } from '../../kpi/period';
import { KpiStore } from '../../store/kpi-store';
import { createDraft, SENDER, signedDocument } from './exchange/support';
import { api, startHarness, user, type Api, type Harness } from './helpers/harness';

/*
 * The KPI mapping against the real exchange: documents go through the real workflows, NATS and verification, and
 * the counters are then rebuilt from the audit trail they wrote. This checks the event names and details the KPIs
 * read are the ones the workflows write.
 */
const P = '000.00.00.H29';
const SNV = '000.00.32.H29';

let h: Harness;
let a: Api;
let kpis: KpiStore;

beforeAll(async () => {
  h = await startHarness({ exchange: true, pki: true });
  a = api(h);
  kpis = new KpiStore(h.deps.db!);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('KPIs from a real exchange', () => {
  it('counts the deliveries, acceptance, rejection and a document not yet sent as the workflows recorded them', async () => {
    const s = SENDER.code;
    const id = await signedDocument(a, 'Công văn về việc báo cáo số liệu', [P, SNV]);
    expect((await a.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {})).status).toBe(200);
    const inboxId = incomingId(s, id);
    for (const r of [P, SNV])
      await h.waitForInbox(r, inboxId, (v) => !!v.verification, { what: `verification at ${r}` });
    expect((await a.call(user('clerk', P), 'POST', `/inbox/${inboxId}/accept`, {})).status).toBe(200);
    expect(
      (await a.call(user('clerk', SNV), 'POST', `/inbox/${inboxId}/reject`, { reason: 'Sai thẩm quyền' }))
        .status,
    ).toBe(200);
    await h.waitForOutgoing(
      s,
      id,
      (d) =>
        d.recipients
          .map((r: { statusCode: string }) => r.statusCode)
          .sort()
          .join() === '02,03',
      { what: 'both statuses back at the sender' },
    );

    // A second document is drafted but never submitted; a third is signed and waits for the clerk.
    await createDraft(a, 'Dự thảo chưa trình', [P]);
    await signedDocument(a, 'Thông báo đã ký, chưa phát hành', [P]);

    const rebuilt = await kpis.rebuildFromAudit({ write: true });
    expect(rebuilt.events).toBeGreaterThan(20);

    const today = vnDay(new Date());
    const leader = await h.login('leadership.000.00.00.h29');
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/v1/kpi/agencies?from=${today}&to=${today}`,
      headers: { authorization: `Bearer ${leader}` },
    });
    const rows = Object.fromEntries(res.json().items.map((r: { code: string }) => [r.code, r]));
    expect(rows[s]).toMatchObject({
      electronicValid: 2,
      electronic: 2,
      total: 2,
      share: 1,
      issued: 1,
      sent: 2,
      rejected: 1,
      notYetSent: 1,
      hasValidCertificate: true,
    });
    expect(rows[s].medianIssueToAcceptanceMinutes).not.toBeNull();
    expect(rows[P]).toMatchObject({ accepted: 1, acceptedLate: 0, pendingOverdue: 0 });
    expect(rows[SNV]).toMatchObject({ accepted: 0 });
    const summary = await h.app.inject({
      method: 'GET',
      url: `/api/v1/kpi/summary?from=${today}&to=${today}`,
      headers: { authorization: `Bearer ${leader}` },
    });
    expect(summary.json().health.rejected.topReasons).toEqual([{ reason: 'Sai thẩm quyền', count: 1 }]);
    expect(summary.json().health.issueToAcceptance.count).toBe(1);
    // Applying the same events again changes nothing.
    for (const e of await h.deps.audit.list({ documentId: id })) await kpis.apply(e);
    expect((await kpis.rebuildFromAudit({ write: false })).differences).toEqual([]);
  }, 120_000);
});
