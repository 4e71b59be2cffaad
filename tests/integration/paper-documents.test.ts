import { KpiStore } from '../../store/kpi-store';
import { startHarness, type Harness } from './helpers/harness';

const SNV = '000.00.32.H29'; // Sở Nội vụ
const STC = '000.00.33.H29'; // Sở Tài chính
const TP = '000.01.01.H29'; // Ủy ban nhân dân xã Tân Phú

let h: Harness;
let clerkSnv: string;
let clerkStc: string;
let clerkTp: string;

const post = (token: string, body: Record<string, unknown>) => h.api(token).post('/paper-documents', body);
const get = (token: string, query = '') => h.api(token).get(`/paper-documents${query}`);

const doc = {
  direction: 'sent',
  from: SNV,
  to: [STC, TP],
  number: 42,
  notation: 'SNV-VP',
  date: '2026-02-10',
  type: 'CV',
  subject: 'Về việc triển khai chữ ký số',
};

beforeAll(async () => {
  h = await startHarness();
  clerkSnv = await h.loginAs('clerk', SNV);
  clerkStc = await h.loginAs('clerk', STC);
  clerkTp = await h.loginAs('clerk', TP);
}, 90_000);

afterAll(async () => {
  await h?.close();
});

describe('paper documents', () => {
  it('registers a paper document sent by the clerk’s agency, audits it and counts it in the KPI denominator', async () => {
    const res = await post(clerkSnv, doc);
    expect(res.status).toBe(201);
    const body = res.body;
    expect(body).toMatchObject({
      id: `paper:${SNV}:2026-02-10:42`,
      direction: 'sent',
      from: SNV,
      fromName: 'Sở Nội vụ',
      to: [STC, TP],
      number: 42,
      alsoElectronic: false,
      registeredBy: `clerk.${SNV.toLowerCase()}`,
      registeredByAgency: SNV,
    });
    const events = await h.deps.audit.list({ documentId: body.id });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'paper.registered',
      agency: SNV,
      details: { from: SNV, to: [STC, TP] },
    });
    const [row] = await new KpiStore(h.deps.db!).dayCounters({ from: '2026-02-10', to: '2026-02-10' }, [SNV]);
    expect(row.c).toEqual({ paper: 2 });
  });

  it('refuses a second registration of the same sender, number and date with 409, changing nothing', async () => {
    const again = await post(clerkTp, {
      ...doc,
      direction: 'received',
      to: TP,
      subject: 'Bản giấy nhận được',
    });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect(again.body).toMatchObject({ code: 'CONFLICT', existingId: `paper:${SNV}:2026-02-10:42` });
    expect(await h.deps.audit.list({ documentId: `paper:${SNV}:2026-02-10:42` })).toHaveLength(1);
    const [row] = await new KpiStore(h.deps.db!).dayCounters({ from: '2026-02-10', to: '2026-02-10' }, [SNV]);
    expect(row.c).toEqual({ paper: 2 });
    // A different number from the same sender on the same day is another document.
    expect((await post(clerkSnv, { ...doc, number: 43, to: STC })).status).toBe(201);
  });

  it('lets a recipient’s clerk register a received document, once, also when it was sent electronically too', async () => {
    const res = await post(clerkTp, {
      ...doc,
      direction: 'received',
      from: STC,
      to: [TP],
      number: 7,
      alsoElectronic: true,
    });
    expect(res.status).toBe(201);
    const [row] = await new KpiStore(h.deps.db!).dayCounters({ from: '2026-02-10', to: '2026-02-10' }, [STC]);
    expect(row.c).toEqual({ paper_also_el: 1 });
  });

  it('shows each agency its sent and received registers', async () => {
    const snvSent = (await get(clerkSnv, '?register=sent')).body;
    expect(snvSent.items.map((d: { number: number }) => d.number).sort()).toEqual([42, 43]);
    const tp = (await get(clerkTp)).body;
    expect(tp.items.map((d: { id: string }) => d.id).sort()).toEqual([
      `paper:${SNV}:2026-02-10:42`,
      `paper:${STC}:2026-02-10:7`,
    ]);
    const stcReceived = (await get(clerkStc, '?register=received')).body;
    expect(stcReceived.items.map((d: { number: number }) => d.number).sort()).toEqual([42, 43]);
    expect((await get(clerkStc, '?register=received&from=2026-03-01')).body.total).toBe(0);
    expect((await get(clerkTp, `?agency=${SNV}`)).status).toBe(403);
    const leader = await h.login('leadership.000.00.00.h29');
    expect((await get(leader)).body.total).toBe(3);
    expect((await get(leader, `?agency=${STC}&register=sent`)).body.total).toBe(1);
  });

  it('refuses callers who are not a clerk of the agency concerned', async () => {
    const drafter = await h.loginAs('drafter', SNV);
    expect((await post(drafter, { ...doc, number: 50 })).status).toBe(403);
    // STC's clerk cannot register what SNV sent, nor a receipt by another agency.
    expect((await post(clerkStc, { ...doc, number: 51 })).status).toBe(403);
    expect((await post(clerkStc, { ...doc, direction: 'received', to: [TP], number: 52 })).status).toBe(403);
    expect(
      (await h.app.inject({ method: 'POST', url: '/api/v1/paper-documents', payload: doc })).statusCode,
    ).toBe(401);
  });

  it('rejects unknown agencies with 422 and malformed registrations with 400 naming the field', async () => {
    const unknown = await post(clerkSnv, { ...doc, to: ['000.00.99.H29'], number: 60 });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('UNKNOWN_AGENCY');
    const badDate = await post(clerkSnv, { ...doc, date: '2026-02-30x', number: 61 });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors.map((e: { path: string }) => e.path)).toContain('body.date');
    const self = await post(clerkSnv, { ...doc, to: [SNV], number: 62 });
    expect(self.status).toBe(400);
    const noNumber = await post(clerkSnv, { ...doc, number: undefined });
    expect(noNumber.status).toBe(400);
    expect(noNumber.body.errors.map((e: { path: string }) => e.path)).toContain('body.number');
    expect(await h.deps.audit.list({ agency: SNV })).toHaveLength(2);
  });

  it('documents its routes in the OpenAPI description', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/paper-documents',
        '/api/v1/kpi/summary',
        '/api/v1/kpi/agencies',
        '/api/v1/kpi/trend',
      ]),
    );
  });
});
