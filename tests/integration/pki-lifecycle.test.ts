import { writeFileSync } from 'node:fs';
import { importPkcs12 } from '../../pki';
import { OpensslDir } from '../unit/pki/openssl';
import { startHarness, type Harness } from './helpers/harness';

const COMMUNE = '000.01.01.H29'; // Ủy ban nhân dân xã Tân Phú
const OTHER = '000.00.32.H29'; // Sở Nội vụ
let h: Harness;
let admin: string;
let agencyAdmin: string;
const ossl = new OpensslDir();

beforeAll(async () => {
  h = await startHarness();
  await h.deps.pki.ensureCa(new Date());
  admin = await h.loginAs('admin');
  agencyAdmin = await h.loginAs('agency_admin', COMMUNE);
}, 90_000);

afterAll(async () => {
  await h?.close();
  ossl.cleanup();
});

async function requestAndIssue(body: Record<string, unknown>, issueBody: Record<string, unknown> = {}) {
  const created = await h.api(agencyAdmin).post('/pki/requests', body);
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await h.api(admin).post(`/pki/requests/${id}/approve`, {})).status).toBe(200);
  const issued = await h.api(admin).post(`/pki/requests/${id}/issue`, issueBody);
  expect(issued.status).toBe(201);
  return issued.body;
}

describe('certificate lifecycle through the API', () => {
  it('registers a need, approves it, issues an organisation certificate that openssl reads with its Vietnamese name', async () => {
    const issued = await requestAndIssue({
      profile: 'organisation',
      reason: 'Chữ ký số cơ quan cho văn thư',
    });
    expect(issued.request.state).toBe('ISSUED');
    expect(issued.certificate).toMatchObject({
      agency: COMMUNE,
      profile: 'organisation',
      status: 'active',
      keyHolder: 'server',
    });
    expect(issued.certificate.subject).toContain('Ủy ban nhân dân xã Tân Phú');

    const pem = await h
      .api(agencyAdmin)
      .get(`/pki/certificates/${issued.certificate.serialHex}/download?chain=true`);
    expect(pem.status).toBe(200);
    const file = `${ossl.dir}/chain.pem`;
    writeFileSync(file, pem.raw);
    const text = ossl.run(['x509', '-in', file, '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus']);
    expect(text).toContain('Ủy ban nhân dân xã Tân Phú');

    const events = await h.api(admin).get(`/pki/requests`);
    expect(events.body.items.some((r: { id: string }) => r.id === issued.request.id)).toBe(true);
    const audit = await h.deps.audit.list({ agency: COMMUNE });
    expect(audit.map((e) => e.type)).toEqual(
      expect.arrayContaining(['pki.request_created', 'pki.request_approved', 'pki.certificate_issued']),
    );
  }, 30_000);

  it('refuses to issue before approval and a second decision on the same request', async () => {
    const created = await h.api(agencyAdmin).post('/pki/requests', {
      profile: 'personal',
      username: `signer.${COMMUNE.toLowerCase()}`,
      reason: 'Chủ tịch mới nhận nhiệm vụ',
    });
    const id = created.body.id;
    const early = await h.api(admin).post(`/pki/requests/${id}/issue`, {});
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('WRONG_STATE');
    expect((await h.api(agencyAdmin).post(`/pki/requests/${id}/approve`, {})).status).toBe(403);
    expect((await h.api(admin).post(`/pki/requests/${id}/reject`, { note: 'thiếu hồ sơ' })).status).toBe(200);
    expect((await h.api(admin).post(`/pki/requests/${id}/approve`, {})).status).toBe(409);
  });

  it('keeps another agency from registering, reading or revoking for this one', async () => {
    const foreignAdmin = await h.loginAs('agency_admin', OTHER);
    const req = await h.api(foreignAdmin).post('/pki/requests', {
      agency: COMMUNE,
      profile: 'organisation',
      reason: 'xyz',
    });
    expect(req.status).toBe(403);
    const [cert] = (await h.api(admin).get(`/pki/certificates?agency=${COMMUNE}`)).body.items;
    expect((await h.api(foreignAdmin).get(`/pki/certificates/${cert.serialHex}`)).status).toBe(404);
    expect(
      (
        await h.api(foreignAdmin).post(`/pki/certificates/${cert.serialHex}/revoke`, {
          reason: 'keyCompromise',
        })
      ).status,
    ).toBe(404);
    const listed = (await h.api(foreignAdmin).get('/pki/certificates')).body.items;
    expect(listed.every((c: { agency: string }) => c.agency === OTHER)).toBe(true);
  });

  it('delivers a personal key as an encrypted PKCS#12 that openssl opens, and keeps no copy', async () => {
    const issued = await requestAndIssue(
      { profile: 'personal', username: `approver.${COMMUNE.toLowerCase()}`, reason: 'Ký số trên USB token' },
      { keyDelivery: 'pkcs12', pkcs12Passphrase: 'mat-khau-p12-2026' },
    );
    expect(issued.certificate.keyHolder).toBe('subscriber');
    const p12 = Buffer.from(issued.pkcs12Base64, 'base64');
    const info = ossl.status([
      'pkcs12',
      '-in',
      ossl.der('k.p12', p12),
      '-nokeys',
      '-passin',
      'pass:mat-khau-p12-2026',
    ]);
    expect(info.code).toBe(0);
    const imported = await importPkcs12(p12, 'mat-khau-p12-2026');
    expect(imported.certificates.length).toBe(3);
    await expect(
      h.deps.pki.signerFor(
        { agency: COMMUNE, profile: 'personal', username: `approver.${COMMUNE.toLowerCase()}` },
        new Date(),
      ),
    ).rejects.toMatchObject({ code: 'CERT_NOT_FOUND' });

    // The subscriber can later hand the same PKCS#12 to the server key store.
    const stored = await h.api(agencyAdmin).post('/pki/certificates/import', {
      profile: 'personal',
      username: `drafter.${COMMUNE.toLowerCase()}`,
      pkcs12Base64: issued.pkcs12Base64,
      passphrase: 'wrong-passphrase',
    });
    expect(stored.status).toBe(422);
  }, 30_000);

  it('records a leadership change: revokes the leaver with affiliationChanged, closes the account, publishes the CRL', async () => {
    const leaver = `signer.${COMMUNE.toLowerCase()}`;
    const issued = await requestAndIssue({ profile: 'personal', username: leaver, reason: 'Chủ tịch xã' });
    const serial = issued.certificate.serialHex as string;

    const change = await h.api(agencyAdmin).post('/pki/personnel-changes', {
      leaver,
      successor: `approver.${COMMUNE.toLowerCase()}`,
      note: 'Chủ tịch UBND xã được điều động công tác khác',
    });
    expect(change.status).toBe(201);
    expect(change.body.revokedSerials).toEqual([serial]);

    const cert = (await h.api(admin).get(`/pki/certificates/${serial}`)).body;
    expect(cert).toMatchObject({ status: 'revoked', revocationReason: 'affiliationChanged' });
    const login = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: leaver, password: 'demo' },
    });
    expect(login.statusCode).toBe(401);

    const crl = await h.app.inject({ method: 'GET', url: '/pki/crl/issuing.crl' });
    expect(crl.statusCode).toBe(200);
    expect(crl.headers['content-type']).toBe('application/pkix-crl');
    const text = ossl.run([
      'crl',
      '-inform',
      'DER',
      '-in',
      ossl.der('i.crl', crl.rawPayload),
      '-noout',
      '-text',
    ]);
    expect(text.toUpperCase()).toContain(serial.toUpperCase().replace(/^0+/, ''));
    expect(text).toContain('Affiliation Changed');

    const root = await h.app.inject({ method: 'GET', url: '/pki/ca/root.cer' });
    expect(
      ossl.run([
        'x509',
        '-inform',
        'DER',
        '-in',
        ossl.der('root.cer', root.rawPayload),
        '-noout',
        '-subject',
      ]),
    ).toContain('Lienthong');
    expect((await h.app.inject({ method: 'GET', url: '/pki/crl/other.crl' })).statusCode).toBe(400);
  }, 30_000);

  it('runs the CRL maintenance workflow on the worker', async () => {
    const before = await h.deps.pki.crlNumbers();
    await h.deps.temporal!.workflow.start('pkiMaintenanceWorkflow', {
      workflowId: `pki-maintenance-test-${Date.now()}`,
      taskQueue: h.config.temporal.taskQueue,
      args: [{ interval: '1 hour', runsPerHistory: 1 }],
    });
    const deadline = Date.now() + 15_000;
    while ((await h.deps.pki.crlNumbers()).issuing <= before.issuing && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await h.deps.pki.crlNumbers()).issuing).toBeGreaterThan(before.issuing);
  }, 30_000);
});
