import type { AuditEventInput } from '../../schemas/audit';
import { KpiService } from '../../kpi/service';
import { KpiStore } from '../../store/kpi-store';
import { startHarness, type Harness } from './helpers/harness';

/*
 * A fixed scenario in March 2025 (plus a little in February and April) over the test province:
 *   P   000.00.00.H29  Ủy ban nhân dân tỉnh Hòa An   (province)
 *   SNV 000.00.32.H29  Sở Nội vụ                      (department)
 *   STC 000.00.33.H29  Sở Tài chính                   (department)
 *   TP  000.01.01.H29  Ủy ban nhân dân xã Tân Phú     (commune)
 *   PL  000.01.02.H29  Ủy ban nhân dân xã Phú Lộc     (commune)
 * Audit events are written through AuditStore and counted by KpiStore.apply, exactly as the exchange activities do;
 * paper documents go through the API. Every expected number below is worked out by hand in the comments.
 */
const P = '000.00.00.H29';
const SNV = '000.00.32.H29';
const STC = '000.00.33.H29';
const TP = '000.01.01.H29';
const PL = '000.01.02.H29';
const MARCH = 'from=2025-03-01&to=2025-03-31';

let h: Harness;
let kpis: KpiStore;
let leader: string;
let admin: string;
let clerkSnv: string;
const seq = new Map<string, number>();

async function record(
  agency: string,
  type: string,
  time: string,
  documentId: string,
  details: Record<string, unknown> = {},
) {
  const n = (seq.get(documentId + agency) ?? 0) + 1;
  seq.set(documentId + agency, n);
  const input: AuditEventInput = {
    id: `test:${agency}:${documentId}#${n}`,
    time,
    agency,
    actor: 'system',
    type,
    documentId,
    details,
  };
  const stored = await h.deps.audit.append(input);
  await kpis.apply(stored);
  return stored;
}

/** Sender side of one delivery and the recipient's reception, verification and answer. */
async function exchange(o: {
  from: string;
  doc: string;
  to: string;
  sealedAt: string;
  receivedAt: string;
  valid: boolean;
  reason?: string;
  answer?: { code: '03' | '02'; at: string; senderAt: string; reason?: string };
  /** false when the test issued and dispatched the document itself (several recipients). */
  send?: boolean;
}) {
  const inbox = `${o.from}_${o.doc}`;
  if (o.send !== false) {
    await record(o.from, 'document.sealed', o.sealedAt, o.doc, { profile: 'organisation' });
    await record(o.from, 'document.dispatched', o.sealedAt, o.doc, { recipient: o.to, attempt: 1 });
  }
  await record(o.to, 'incoming.received', o.receivedAt, inbox, {
    from: o.from,
    messageId: o.doc,
    attempt: 1,
  });
  const checked = new Date(Date.parse(o.receivedAt) + 30_000).toISOString();
  await record(o.to, o.valid ? 'incoming.verified' : 'incoming.verification_failed', checked, inbox, {
    from: o.from,
    ok: o.valid,
    reason: o.reason,
  });
  await record(o.to, 'incoming.status_sent', checked, inbox, { from: o.from, statusCode: '01' });
  if (o.answer) {
    await record(o.to, 'incoming.status_sent', o.answer.at, inbox, {
      from: o.from,
      statusCode: o.answer.code,
      reason: o.answer.reason,
    });
    await record(o.from, 'document.status_received', o.answer.senderAt, o.doc, {
      recipient: o.to,
      statusCode: o.answer.code,
      reason: o.answer.reason,
    });
  }
}

const call = (token: string, url: string, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers } });

const paper = (token: string, body: Record<string, unknown>) =>
  h.app.inject({
    method: 'POST',
    url: '/api/v1/paper-documents',
    payload: body,
    headers: { authorization: `Bearer ${token}` },
  });

beforeAll(async () => {
  h = await startHarness();
  kpis = new KpiStore(h.deps.db!);
  const pki = h.deps.pki;
  const jan2025 = new Date('2025-01-01T00:00:00Z');
  await pki.ensureCa(jan2025);
  const agencies = new Map((await h.deps.identity.listAgencies()).map((a) => [a.code, a]));
  const org = (code: string, at = jan2025) =>
    pki.issueServerHeld(
      {
        agency: code,
        profile: 'organisation',
        commonName: agencies.get(code)!.name,
        organisation: agencies.get(code)!.name,
      },
      at,
    );
  for (const code of [P, SNV, STC]) await org(code);
  // TP's organisation certificate is revoked on 18 March: it holds no valid one at the end of the period.
  const tpCert = await org(TP);
  await pki.revoke(tpCert.serialHex, 'keyCompromise', new Date('2025-03-18T03:00:00Z'));
  // Two personal certificates expire 20 and 50 days from now (5-year lifetime).
  const day = 24 * 3600_000;
  for (const [username, days] of [
    [`signer.${SNV.toLowerCase()}`, 20],
    [`approver.${SNV.toLowerCase()}`, 50],
  ] as const) {
    const notBefore = new Date(Date.now() + days * day);
    notBefore.setUTCFullYear(notBefore.getUTCFullYear() - 5);
    await pki.issueServerHeld(
      { agency: SNV, profile: 'personal', username, commonName: username, organisation: 'Sở Nội vụ' },
      notBefore,
    );
  }

  // February (outside the period): SNV → STC, valid, accepted the same day.
  await exchange({
    from: SNV,
    doc: 'D12',
    to: STC,
    sealedAt: '2025-02-20T02:00:00Z',
    receivedAt: '2025-02-20T02:01:00Z',
    valid: true,
    answer: { code: '03', at: '2025-02-20T04:00:00Z', senderAt: '2025-02-20T04:00:05Z' },
  });

  // D1: SNV → STC and TP, both valid. Issued 03-03 01:00Z.
  await record(SNV, 'document.signed', '2025-03-02T02:00:00Z', 'D1', { profile: 'personal' });
  await record(SNV, 'document.sealed', '2025-03-03T01:00:00Z', 'D1', { profile: 'organisation' });
  // The workflow dispatches to every recipient before it handles any status.
  await record(SNV, 'document.dispatched', '2025-03-03T01:00:05Z', 'D1', { recipient: STC, attempt: 1 });
  await record(SNV, 'document.dispatched', '2025-03-03T01:00:06Z', 'D1', { recipient: TP, attempt: 1 });
  await exchange({
    from: SNV,
    doc: 'D1',
    to: STC,
    send: false,
    sealedAt: '2025-03-03T01:00:05Z',
    receivedAt: '2025-03-03T01:01:00Z',
    valid: true,
    // receipt → 03: 120 min (on time); issue → 03 at the sender: 121 min → bin 120.
    answer: { code: '03', at: '2025-03-03T03:01:00Z', senderAt: '2025-03-03T03:01:05Z' },
  });
  await exchange({
    from: SNV,
    doc: 'D1',
    to: TP,
    send: false,
    sealedAt: '2025-03-03T01:00:06Z',
    receivedAt: '2025-03-03T01:02:00Z',
    valid: true,
    // receipt → 03: 26 h (late against 24 h); issue → 03: 1562 min → 6-hour bin from 1440.
    answer: { code: '03', at: '2025-03-04T03:02:00Z', senderAt: '2025-03-04T03:02:10Z' },
  });

  // D2: STC → SNV, the payload does not match its hash: auto-rejected.
  const hashReason = 'HASH_FAILURE: main.pdf does not match the SHA-256 in the envelope';
  await record(STC, 'document.signed', '2025-03-05T02:00:00Z', 'D2');
  await exchange({
    from: STC,
    doc: 'D2',
    to: SNV,
    sealedAt: '2025-03-05T03:00:00Z',
    receivedAt: '2025-03-05T03:01:00Z',
    valid: false,
    reason: hashReason,
    answer: { code: '02', at: '2025-03-05T03:01:50Z', senderAt: '2025-03-05T03:02:00Z', reason: hashReason },
  });

  // D3: TP → PL, valid, rejected by PL's clerk.
  await exchange({
    from: TP,
    doc: 'D3',
    to: PL,
    sealedAt: '2025-03-10T02:00:00Z',
    receivedAt: '2025-03-10T02:01:00Z',
    valid: true,
    answer: {
      code: '02',
      at: '2025-03-10T05:00:00Z',
      senderAt: '2025-03-10T05:00:05Z',
      reason: 'Gửi sai cơ quan',
    },
  });

  // D4: signed at SNV, never sent.
  await record(SNV, 'document.signed', '2025-03-20T02:00:00Z', 'D4');

  // D5: P → SNV, valid, SNV never answers.
  await exchange({
    from: P,
    doc: 'D5',
    to: SNV,
    sealedAt: '2025-03-28T01:00:00Z',
    receivedAt: '2025-03-28T02:00:00Z',
    valid: true,
  });

  // D6: STC → PL, no 01 after the resends.
  await record(STC, 'document.sealed', '2025-03-12T01:00:00Z', 'D6');
  await record(STC, 'document.dispatched', '2025-03-12T01:00:05Z', 'D6', { recipient: PL, attempt: 1 });
  await record(STC, 'document.send_failed', '2025-03-12T02:00:00Z', 'D6', { recipient: PL, attempts: 4 });

  // Returned in approval: SNV twice for the same reason, STC once.
  await record(SNV, 'document.returned', '2025-03-06T02:00:00Z', 'D7', { reason: 'Sai thể thức' });
  await record(SNV, 'document.returned', '2025-03-07T02:00:00Z', 'D8', { reason: '  Sai   thể thức ' });
  await record(STC, 'document.returned', '2025-03-07T03:00:00Z', 'D9', { reason: 'Thiếu phụ lục' });

  // Approvals past their deadline: TP's still open, STC's approved the next day.
  await record(TP, 'document.approval_overdue', '2025-03-15T02:00:00Z', 'D10', { stage: 'truong-phong' });
  await record(STC, 'document.approval_overdue', '2025-03-16T02:00:00Z', 'D11', { stage: 'truong-phong' });
  await record(STC, 'document.approved', '2025-03-17T02:00:00Z', 'D11');

  // Paper, through the API.
  clerkSnv = await h.login(`clerk.${SNV.toLowerCase()}`);
  const clerkPl = await h.login(`clerk.${PL.toLowerCase()}`);
  const clerkStc = await h.login(`clerk.${STC.toLowerCase()}`);
  const clerkTp = await h.login(`clerk.${TP.toLowerCase()}`);
  const base = { type: 'CV', notation: 'SNV-VP', subject: 'Báo cáo tình hình' };
  // SNV → STC and TP on 03-11: two paper deliveries of SNV.
  expect(
    (
      await paper(clerkSnv, {
        ...base,
        direction: 'sent',
        from: SNV,
        to: [STC, TP],
        number: 15,
        date: '2025-03-11',
      })
    ).statusCode,
  ).toBe(201);
  // P → PL on 03-25, registered by the recipient: one paper delivery of P.
  expect(
    (await paper(clerkPl, { ...base, direction: 'received', from: P, to: PL, number: 7, date: '2025-03-25' }))
      .statusCode,
  ).toBe(201);
  // STC → SNV, also sent electronically: registered, not in the denominator.
  expect(
    (
      await paper(clerkStc, {
        ...base,
        direction: 'sent',
        from: STC,
        to: [SNV],
        number: 20,
        date: '2025-03-12',
        alsoElectronic: true,
      })
    ).statusCode,
  ).toBe(201);
  // The same SNV document registered again by a recipient: refused.
  expect(
    (
      await paper(clerkTp, {
        ...base,
        direction: 'received',
        from: SNV,
        to: [TP],
        number: 15,
        date: '2025-03-11',
      })
    ).statusCode,
  ).toBe(409);
  // April: outside the period.
  expect(
    (await paper(clerkTp, { ...base, direction: 'sent', from: TP, to: [PL], number: 3, date: '2025-04-02' }))
      .statusCode,
  ).toBe(201);

  leader = await h.login(`leadership.${P.toLowerCase()}`);
  admin = await h.login('admin');
}, 180_000);

afterAll(async () => {
  await h?.close();
});

describe('KPIs on a fixed scenario', () => {
  it('computes the province summary for March 2025 as worked out by hand', async () => {
    const res = await call(leader, `/api/v1/kpi/summary?${MARCH}`);
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s.period).toEqual({ from: '2025-03-01', to: '2025-03-31', timeZone: 'Asia/Ho_Chi_Minh' });
    expect(s.scope).toEqual({ kind: 'province' });
    // Electronic: SNV 2 valid, STC 1 invalid, TP 1 valid, P 1 valid; paper: SNV 2, P 1.
    expect(s.exchange).toEqual({
      electronicValid: 4,
      electronic: 5,
      paper: 3,
      total: 8,
      share: 0.5,
      target: 0.8,
      status: 'red',
    });
    expect(s.coverage).toMatchObject({
      agencies: 5,
      withCertificate: 3,
      certificateShare: 0.6,
      signedAndSent: 4,
      sentShare: 0.8,
      certificateStatus: 'red',
      sentStatus: 'amber',
    });
    expect(s.coverage.missingCertificate.map((a: { code: string }) => a.code)).toEqual([TP, PL]);
    expect(s.coverage.notSent).toEqual([{ code: PL, name: 'Ủy ban nhân dân xã Phú Lộc', level: 'commune' }]);
    expect(s.health).toEqual({
      notYetSent: 1,
      sendFailures: 1,
      returned: {
        count: 3,
        topReasons: [
          { reason: 'Sai thể thức', count: 2 },
          { reason: 'Thiếu phụ lục', count: 1 },
        ],
      },
      rejected: {
        count: 2,
        topReasons: [
          { reason: 'Gửi sai cơ quan', count: 1 },
          { reason: 'HASH_FAILURE', count: 1 },
        ],
      },
      lateAcceptance: { slaHours: 24, accepted: 2, acceptedLate: 1, pendingOverdue: 1 },
      verificationFailures: { count: 1, byReason: [{ reason: 'HASH_FAILURE', count: 1 }] },
      issueToAcceptance: { count: 2, medianMinutes: 120, p95Minutes: 1440 },
      approvalsOverdue: { open: 1, inPeriod: 2 },
    });
    expect(s.certificates.expiring).toEqual({ within30: 1, within60: 2, within90: 2 });
    expect(s.certificates.revocations).toEqual({
      total: 1,
      byReason: [{ reason: 'keyCompromise', count: 1 }],
    });
    const levels = Object.fromEntries(
      s.levels.map((l: { level: string; exchange: unknown }) => [l.level, l.exchange]),
    );
    expect(Object.keys(levels)).toEqual(['province', 'department', 'commune']);
    expect(levels.province).toMatchObject({
      electronicValid: 1,
      electronic: 1,
      paper: 1,
      total: 2,
      share: 0.5,
    });
    expect(levels.department).toMatchObject({
      electronicValid: 2,
      electronic: 3,
      paper: 2,
      total: 5,
      share: 0.4,
    });
    expect(levels.commune).toMatchObject({ electronicValid: 1, electronic: 1, paper: 0, total: 1, share: 1 });
  });

  it('fills the agency table with each agency’s numbers and colours', async () => {
    const res = await call(admin, `/api/v1/kpi/agencies?${MARCH}`);
    expect(res.statusCode).toBe(200);
    const rows = Object.fromEntries(res.json().items.map((r: { code: string }) => [r.code, r]));
    expect(res.json().items.map((r: { code: string }) => r.code)).toEqual([P, SNV, STC, TP, PL]);
    expect(rows[SNV]).toMatchObject({
      electronicValid: 2,
      electronic: 2,
      paper: 2,
      total: 4,
      share: 0.5,
      shareStatus: 'red',
      hasValidCertificate: true,
      sent: 2,
      coverageStatus: 'green',
      issued: 1,
      notYetSent: 1,
      returned: 2,
      accepted: 0,
      pendingOverdue: 1,
      medianIssueToAcceptanceMinutes: 120,
    });
    expect(rows[STC]).toMatchObject({
      electronicValid: 0,
      electronic: 1,
      total: 1,
      share: 0,
      issued: 2,
      sent: 2,
      sendFailures: 1,
      returned: 1,
      rejected: 1,
      verificationFailures: 1,
      accepted: 1,
      acceptedLate: 0,
    });
    expect(rows[TP]).toMatchObject({
      share: 1,
      shareStatus: 'green',
      hasValidCertificate: false,
      sent: 1,
      coverageStatus: 'amber',
      rejected: 1,
      accepted: 1,
      acceptedLate: 1,
      approvalsOverdue: 1,
    });
    expect(rows[PL]).toMatchObject({ total: 0, share: null, shareStatus: 'none', coverageStatus: 'red' });

    const communes = await call(admin, `/api/v1/kpi/agencies?${MARCH}&level=commune`);
    expect(communes.json().items.map((r: { code: string }) => r.code)).toEqual([TP, PL]);
  });

  it('counts a stricter SLA from the same pre-aggregated histogram', async () => {
    // With a 2-hour SLA both acceptances (120 min and 26 h) are late.
    const res = await call(leader, `/api/v1/kpi/summary?${MARCH}&slaHours=2`);
    expect(res.json().health.lateAcceptance).toMatchObject({ slaHours: 2, accepted: 2, acceptedLate: 2 });
  });

  it('gives monthly trend points from the same counters', async () => {
    const service = new KpiService({
      kpis,
      identity: h.deps.identity,
      pki: h.deps.pki,
      clock: () => new Date('2025-04-15T05:00:00Z'),
    });
    const t = await service.trend({ kind: 'province' }, 12);
    expect(t.months).toHaveLength(12);
    expect(t.months[0].month).toBe('2024-05');
    const by = Object.fromEntries(t.months.map((m) => [m.month, m]));
    expect(by['2025-02']).toMatchObject({ electronicValid: 1, electronic: 1, paper: 0, total: 1, share: 1 });
    expect(by['2025-03']).toMatchObject({
      electronicValid: 4,
      electronic: 5,
      paper: 3,
      total: 8,
      share: 0.5,
    });
    expect(by['2025-04']).toMatchObject({ electronicValid: 0, electronic: 0, paper: 1, total: 1, share: 0 });
    expect(by['2025-01']).toMatchObject({ total: 0, share: null });

    const http = await call(leader, '/api/v1/kpi/trend?months=24');
    expect(http.statusCode).toBe(200);
    expect(http.json().months).toHaveLength(24);
  });
});

describe('incremental counters and the rebuild', () => {
  it('rebuilding from the audit trail gives exactly the incremental counters and open items', async () => {
    const before = await kpis.snapshot();
    const dry = await kpis.rebuildFromAudit({ write: false });
    expect(dry.differences).toEqual([]);
    expect(dry.events).toBeGreaterThan(50);
    expect(dry.chainGaps).toBe(0);

    const written = await kpis.rebuildFromAudit({ write: true });
    expect(written.differences).toEqual([]);
    const after = await kpis.snapshot();
    expect(after.days).toEqual(before.days);
    expect(after.months).toEqual(before.months);
    expect(after.open).toEqual(before.open);
    const res = await call(leader, `/api/v1/kpi/summary?${MARCH}`);
    expect(res.json().exchange).toMatchObject({ electronicValid: 4, total: 8 });
  });

  it('reads whole months from the monthly rollup and the days of partial months from the day counters', async () => {
    const exchange = async (from: string, to: string) =>
      (await call(leader, `/api/v1/kpi/summary?from=${from}&to=${to}`)).json().exchange;
    // 20 February (D12) + March + 2 April (TP's paper document).
    expect(await exchange('2025-02-20', '2025-04-02')).toMatchObject({
      electronicValid: 5,
      electronic: 6,
      paper: 4,
      total: 10,
    });
    expect(await exchange('2025-02-21', '2025-04-01')).toMatchObject({
      electronicValid: 4,
      electronic: 5,
      paper: 3,
      total: 8,
    });
    expect(await exchange('2025-03-11', '2025-03-11')).toMatchObject({ paper: 2, total: 2 });
    const months = (await kpis.snapshot()).months;
    expect(months.get(`${SNV}|2025-03`)).toMatchObject({
      el: 2,
      el_valid: 2,
      paper: 2,
      sent: 2,
      issued: 1,
      returned: 2,
    });
  });

  it('counts an event once however often it is applied, also concurrently', async () => {
    const event = await h.deps.audit.append({
      id: 'test:idempotency:verified',
      time: '2025-01-10T03:00:00Z',
      agency: STC,
      actor: 'system',
      type: 'incoming.verified',
      documentId: `${PL}_D99`,
      details: { from: PL, ok: true },
    });
    await kpis.apply(event);
    await kpis.apply(event);
    await Promise.all(Array.from({ length: 5 }, () => kpis.apply(event)));
    const [row] = await kpis.dayCounters({ from: '2025-01-10', to: '2025-01-10' }, [PL]);
    expect(row.c).toEqual({ el: 1, el_valid: 1 });
    const [month] = await kpis.dayCounters({ from: '2025-01-01', to: '2025-01-31' }, [PL]);
    expect(month).toEqual({ agency: PL, day: '2025-01-01', c: { el: 1, el_valid: 1 } });
    expect((await kpis.rebuildFromAudit({ write: false })).differences).toEqual([]);
  });

  it('counts every one of many different events applied at once to one agency and day', async () => {
    // FerretDB v1 loses concurrent updates of one document; the store writes each counter document in turn.
    const events = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        h.deps.audit.append({
          id: `test:concurrent:verified:${i}`,
          time: '2025-01-20T03:00:00Z',
          agency: STC,
          actor: 'system',
          type: 'incoming.verified',
          documentId: `${PL}_C${i}`,
          details: { from: PL, ok: true },
        }),
      ),
    );
    await Promise.all(events.map((e) => kpis.apply(e)));
    const [row] = await kpis.dayCounters({ from: '2025-01-20', to: '2025-01-20' }, [PL]);
    expect(row.c).toEqual({ el: 12, el_valid: 12 });
    expect((await kpis.rebuildFromAudit({ write: false })).differences).toEqual([]);
  });

  it('counts events appended together (one document, three recipients) as one by one, and once when retried', async () => {
    // What the exchange workflows audit in one activity (patch batched-records-v1): the dispatches, the statuses
    // that arrived together (an 03 settles the recipient on the issued item an earlier event of the batch changed),
    // a recipient's check and its 01. The rebuild replays them one by one: no difference means the same counts.
    const doc = 'BATCH1';
    const at = (m: number) => new Date(Date.parse('2025-02-10T02:00:00Z') + m * 60_000).toISOString();
    let n = 0;
    const event = (agency: string, type: string, time: string, documentId: string, details = {}) =>
      h.deps.audit.append({
        id: `test:batch:${++n}`,
        time,
        agency,
        actor: 'system',
        type,
        documentId,
        details,
      });
    const append = (list: Parameters<typeof event>[]) => Promise.all(list.map((args) => event(...args)));
    const recipients = [SNV, STC, TP];
    await kpis.applyAll(await append([[PL, 'document.sealed', at(0), doc, { profile: 'organisation' }]]));
    const dispatched = await append(
      recipients.map((r) => [PL, 'document.dispatched', at(1), doc, { recipient: r, attempt: 1 }]),
    );
    await kpis.applyAll(dispatched);
    for (const r of recipients) {
      const inbox = `${PL}_${doc}`;
      const arrival: Parameters<typeof event>[] = [
        [r, 'incoming.received', at(2), inbox, { from: PL, messageId: doc, attempt: 1 }],
        [r, 'incoming.verified', at(2), inbox, { from: PL, ok: true }],
        [r, 'incoming.status_sent', at(2), inbox, { from: PL, statusCode: '01' }],
      ];
      const acceptance: Parameters<typeof event>[] = [
        [r, 'incoming.status_sent', at(30), inbox, { from: PL, statusCode: '03' }],
      ];
      // At TP the acceptance comes in the same batch as the arrival: its lookup must see the item the arrival
      // opened, which is not stored yet when the batch's effects are computed.
      if (r === TP) await kpis.applyAll(await append([...arrival, ...acceptance]));
      else {
        await kpis.applyAll(await append(arrival));
        await kpis.applyAll(await append(acceptance));
      }
    }
    const statuses = await append(
      recipients.flatMap((r): Parameters<typeof event>[] => [
        [PL, 'document.status_received', at(31), doc, { recipient: r, statusCode: '01' }],
        [PL, 'document.status_received', at(31), doc, { recipient: r, statusCode: '03' }],
      ]),
    );
    await kpis.applyAll(statuses);
    const counted = await kpis.dayCounters({ from: '2025-02-10', to: '2025-02-10' });
    // A retried activity: the same batches again change nothing.
    await kpis.applyAll(dispatched);
    await kpis.applyAll(statuses);
    expect(await kpis.dayCounters({ from: '2025-02-10', to: '2025-02-10' })).toEqual(counted);
    expect(counted.find((row) => row.agency === PL)?.c).toMatchObject({ sent: 3 });
    expect((await kpis.rebuildFromAudit({ write: false })).differences).toEqual([]);
  });

  it('lets the province administrator compare or rebuild through the API', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/kpi/rebuild',
      payload: { write: false },
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ differences: [], written: false });
    const refused = await h.app.inject({
      method: 'POST',
      url: '/api/v1/kpi/rebuild',
      payload: {},
      headers: { authorization: `Bearer ${leader}` },
    });
    expect(refused.statusCode).toBe(403);
  });
});

describe('who sees what', () => {
  it('shows an agency’s own users their agency only', async () => {
    const s = await call(clerkSnv, `/api/v1/kpi/summary?${MARCH}`);
    expect(s.statusCode).toBe(200);
    expect(s.json().scope).toEqual({ kind: 'agency', agency: SNV });
    expect(s.json().exchange).toMatchObject({
      electronicValid: 2,
      electronic: 2,
      paper: 2,
      total: 4,
      share: 0.5,
    });
    expect(s.json().coverage.agencies).toBe(1);

    const table = await call(clerkSnv, `/api/v1/kpi/agencies?${MARCH}`);
    expect(table.json().items.map((r: { code: string }) => r.code)).toEqual([SNV]);

    for (const url of [
      `/api/v1/kpi/summary?${MARCH}&agency=${STC}`,
      `/api/v1/kpi/agencies?agency=${STC}`,
      `/api/v1/kpi/trend?agency=${STC}`,
      `/api/v1/kpi/agencies/${STC}`,
    ]) {
      const res = await call(clerkSnv, url);
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const drill = await call(clerkSnv, `/api/v1/kpi/agencies/${SNV}?${MARCH}`);
    expect(drill.statusCode).toBe(200);
    expect(
      drill
        .json()
        .openItems.map((o: { kind: string; documentId: string }) => `${o.kind}:${o.documentId}`)
        .sort(),
    ).toEqual([`await03:${P}_D5`, 'unsent:D4']);
  });

  it('lets leadership drill down into any agency and refuses anonymous callers', async () => {
    const drill = await call(leader, `/api/v1/kpi/agencies/${TP}?${MARCH}`);
    expect(drill.statusCode).toBe(200);
    expect(drill.json().row).toMatchObject({ code: TP, share: 1, approvalsOverdue: 1 });
    expect((await h.app.inject({ method: 'GET', url: '/api/v1/kpi/summary' })).statusCode).toBe(401);
    expect((await call(leader, '/api/v1/kpi/summary?from=2025-04-01&to=2025-03-01')).statusCode).toBe(422);
  });
});

describe('CSV export', () => {
  it('exports the agency table as UTF-8 CSV with a BOM and Vietnamese names', async () => {
    const res = await call(leader, `/api/v1/kpi/agencies?${MARCH}&format=csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toContain('attachment');
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    const lines = text.trimEnd().split('\r\n');
    expect(lines[0].split(',').slice(0, 3)).toEqual(['Mã cơ quan', 'Tên cơ quan', 'Cấp']);
    expect(lines).toHaveLength(6);
    expect(text).toContain('000.01.01.H29,Ủy ban nhân dân xã Tân Phú,"UBND cấp xã, phường",1,1,0,1,100.0');
    expect(text).toContain('Sở Nội vụ');
  });

  it('exports the summary and the trend when asked with Accept: text/csv', async () => {
    const s = await call(leader, `/api/v1/kpi/summary?${MARCH}`, { accept: 'text/csv' });
    expect(s.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(s.body.charCodeAt(0)).toBe(0xfeff);
    expect(s.body).toContain('Toàn tỉnh,Tất cả,2025-03-01,2025-03-31,4,5,3,8,50.0');
    expect(s.body).toContain('Sở, ban, ngành');
    const t = await call(leader, '/api/v1/kpi/trend?months=3', { accept: 'text/csv' });
    expect(t.body.charCodeAt(0)).toBe(0xfeff);
    expect(t.body.trimEnd().split('\r\n')).toHaveLength(4);
    const json = await call(leader, '/api/v1/kpi/trend?months=3&format=json', { accept: 'text/csv' });
    expect(json.headers['content-type']).toContain('application/json');
  });
});
