import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dayStart, vnDay } from '../../kpi/period';
import { KpiStore } from '../../store/kpi-store';
import { nssDbWithRoot, pdfsig, tempDir, tool } from '../unit/pdf/support/tools';
import { startHarness, type Harness } from './helpers/harness';

const OUTPUT = resolve(__dirname, '../../test-output');
const SNV = '000.00.32.H29';
const STC = '000.00.33.H29';
const TP = '000.01.01.H29';

let h: Harness;
let dir: string;
let nss: string;
let leader: string;
const year = Number(vnDay(new Date()).slice(0, 4));

/** Every payload's bytes in a workflow history (inputs, results, memo), as text to search. */
function payloadBytes(node: unknown, found: Buffer[] = []): Buffer[] {
  if (node instanceof Uint8Array) return found;
  if (Array.isArray(node)) for (const item of node) payloadBytes(item, found);
  else if (node && typeof node === 'object') {
    const { data, metadata } = node as { data?: unknown; metadata?: unknown };
    if (data instanceof Uint8Array && metadata) found.push(Buffer.from(data));
    else for (const value of Object.values(node)) payloadBytes(value, found);
  }
  return found;
}

const report = (token: string, query: string) =>
  h.app.inject({
    method: 'GET',
    url: `/api/v1/reports/yearly?${query}`,
    headers: { authorization: `Bearer ${token}` },
  });

beforeAll(async () => {
  h = await startHarness();
  const yesterday = new Date(Date.now() - 86_400_000);
  await h.deps.pki.ensureCa(yesterday);
  const system = (await h.deps.identity.getAgency(h.config.systemAgency))!;
  await h.deps.pki.ensureAgencyCertificates(system, [], yesterday);

  // Two valid deliveries and one paper document today (Vietnam time).
  const kpis = new KpiStore(h.deps.db!);
  const at = (minutes: number) =>
    new Date(dayStart(vnDay(new Date())).getTime() + minutes * 60_000).toISOString();
  let n = 0;
  for (const [from, to, doc] of [
    [SNV, STC, 'R1'],
    [SNV, TP, 'R2'],
  ]) {
    for (const [agency, type, documentId, details] of [
      [from, 'document.sealed', doc, {}],
      [from, 'document.dispatched', doc, { recipient: to }],
      [to, 'incoming.verified', `${from}_${doc}`, { from }],
    ] as const)
      await kpis.apply(
        await h.deps.audit.append({
          id: `report:${++n}`,
          time: at(n),
          agency,
          actor: 'system',
          type,
          documentId,
          details,
        }),
      );
  }
  await kpis.apply(
    await h.deps.audit.append({
      id: 'report:paper',
      time: at(10),
      agency: STC,
      actor: 'system',
      type: 'paper.registered',
      documentId: 'paper:1',
      details: { from: STC, to: [SNV], date: vnDay(new Date()), number: 1 },
    }),
  );

  dir = tempDir('lienthong-report-');
  nss = nssDbWithRoot(dir, await h.deps.pki.caCertificate('root'));
  leader = await h.login('leadership.000.00.00.h29');
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('yearly report', () => {
  it('produces a Vietnamese PDF of the province KPIs that pdfsig verifies as signed by the province system certificate', async () => {
    const res = await report(leader, `year=${year}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toContain(`bao-cao-lien-thong-${year}-toan-tinh.pdf`);
    const file = join(dir, 'province.pdf');
    writeFileSync(file, res.rawPayload);
    mkdirSync(OUTPUT, { recursive: true });
    writeFileSync(join(OUTPUT, 'yearly-report.pdf'), res.rawPayload);
    expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');

    expect(pdfsig(nss, file)).toEqual([{ valid: true, total: true, trusted: true }]);
    const details = tool('pdfsig', ['-nssdir', nss, '-no-ocsp', file]).stdout;
    expect(details).toContain('Signer Certificate Common Name: Ủy ban nhân dân tỉnh Hòa An');

    const text = tool('pdftotext', ['-layout', file, '-']).stdout;
    expect(text).toContain('BÁO CÁO KẾT QUẢ TRIỂN KHAI');
    expect(text).toContain(`LIÊN THÔNG VĂN BẢN ĐIỆN TỬ NĂM ${year}`);
    expect(text).toContain('Phạm vi: Toàn tỉnh');
    // 2 valid electronic deliveries and 1 paper one: 2 of 3.
    expect(text).toMatch(/hợp lệ.*:\s+2 trên tổng số 3 văn bản/s);
    expect(text).toContain('66,7%');
    expect(text).toContain('Ủy ban nhân dân xã Tân Phú');
    expect(text).toContain('Sở Tài chính');

    const audit = await h.deps.audit.list({ agency: h.config.systemAgency });
    expect(audit.map((e) => e.type)).toContain('report.yearly_signed');
  }, 60_000);

  it('gives an agency’s own users the report of their agency only', async () => {
    const clerk = await h.login(`clerk.${SNV.toLowerCase()}`);
    const own = await report(clerk, `year=${year}`);
    expect(own.statusCode).toBe(200);
    const file = join(dir, 'agency.pdf');
    writeFileSync(file, own.rawPayload);
    expect(pdfsig(nss, file)).toEqual([{ valid: true, total: true, trusted: true }]);
    expect(tool('pdftotext', [file, '-']).stdout).toContain('Phạm vi: Sở Nội vụ');
    expect((await report(clerk, `year=${year}&agency=${STC}`)).statusCode).toBe(403);
  }, 60_000);

  it('signs in the worker: the workflow history holds file references, never the PDF bytes', async () => {
    const res = await report(leader, `year=${year}`);
    expect(res.statusCode).toBe(200);
    const client = h.deps.temporal!;
    const runs = [];
    for await (const run of client.workflow.list({ query: 'WorkflowType = "signYearlyReportWorkflow"' }))
      runs.push(run);
    expect(runs.length).toBeGreaterThan(0);
    const history = await client.workflow.getHandle(runs[0]!.workflowId).fetchHistory();
    const payloads = payloadBytes(history);
    expect(payloads.length).toBeGreaterThan(0);
    for (const data of payloads) expect(data.includes('%PDF')).toBe(false);
    expect(payloads.reduce((sum, d) => sum + d.length, 0)).toBeLessThan(res.rawPayload.length);
  }, 60_000);

  it('answers 422 CERT_REVOKED, as before, when the worker finds the province key revoked', async () => {
    const certificates = await h.deps.pki.listCertificates({
      agency: h.config.systemAgency,
      status: 'active',
    });
    for (const cert of certificates.filter((c) => c.profile === 'organisation'))
      await h.deps.pki.revoke(cert.serialHex, 'superseded', new Date());
    const res = await report(leader, `year=${year}`);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('CERT_REVOKED');
  }, 60_000);

  it('refuses a year that has not started', async () => {
    const res = await report(leader, `year=${year + 1}`);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('DOMAIN_VALIDATION');
  });
});
