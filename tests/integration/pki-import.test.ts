import { exportPkcs12 } from '../../pki';
import { demoUsername } from '../../store/demo-province';
import { createTestPki } from '../helpers/test-pki';
import { startHarness, type Harness } from './helpers/harness';

const COMMUNE = '000.01.01.H29'; // Ủy ban nhân dân xã Tân Phú
let h: Harness;
let admin: string;
let agencyAdmin: string;

beforeAll(async () => {
  h = await startHarness();
  await h.deps.pki.ensureCa(new Date(Date.now() - 60_000));
  admin = await h.loginAs('admin');
  agencyAdmin = await h.loginAs('agency_admin', COMMUNE);
}, 90_000);

afterAll(async () => {
  await h?.close();
});

/** A PKCS#12 our CA issued to a subscriber (keyDelivery pkcs12), as a token holder would bring it back. */
async function subscriberPkcs12(body: Record<string, unknown>) {
  const created = await h.api(agencyAdmin).post('/pki/requests', body);
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await h.api(admin).post(`/pki/requests/${id}/approve`, {})).status).toBe(200);
  const issued = await h.api(admin).post(`/pki/requests/${id}/issue`, {
    keyDelivery: 'pkcs12',
    pkcs12Passphrase: 'mat-khau-pkcs12',
  });
  expect(issued.status).toBe(201);
  return { serial: issued.body.certificate.serialHex as string, p12: issued.body.pkcs12Base64 as string };
}

const importBody = (p12: string, extra: Record<string, unknown>) => ({
  pkcs12Base64: p12,
  passphrase: 'mat-khau-pkcs12',
  ...extra,
});

describe('PKCS#12 import (finding 4)', () => {
  it('refuses a certificate that does not chain to the trust anchors, for a user who does not exist', async () => {
    const foreign = await createTestPki();
    const p12 = await exportPkcs12(
      foreign.personal.privateKey,
      [foreign.personal.certificate, ...foreign.intermediates, ...foreign.anchors],
      'mat-khau-pkcs12',
    );
    const res = await h
      .api(agencyAdmin)
      .post(
        '/pki/certificates/import',
        importBody(Buffer.from(p12).toString('base64'), { profile: 'personal', username: 'khong.ton.tai' }),
      );
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CERT_UNTRUSTED');
    expect(res.body.reason).toMatch(/PATH_NOT_FOUND|UNTRUSTED_ROOT/);
    expect((await h.deps.pki.listCertificates({ agency: COMMUNE })).map((c) => c.subject)).not.toContain(
      foreign.personal.subject,
    );
  }, 30_000);

  it('refuses a certificate naming someone else, or a deactivated holder', async () => {
    const drafter = demoUsername('drafter', COMMUNE);
    const { p12 } = await subscriberPkcs12({ profile: 'personal', username: drafter, reason: 'Ký nháy' });
    const other = await h
      .api(agencyAdmin)
      .post(
        '/pki/certificates/import',
        importBody(p12, { profile: 'personal', username: demoUsername('approver', COMMUNE) }),
      );
    expect(other.status).toBe(422);
    expect(other.body.reason).toBe('HOLDER_MISMATCH');

    await h.deps.identity.setActive(drafter, false);
    try {
      const closed = await h
        .api(agencyAdmin)
        .post('/pki/certificates/import', importBody(p12, { profile: 'personal', username: drafter }));
      expect(closed.status).toBe(422);
      expect(closed.body.reason).toBe('HOLDER_UNKNOWN');
    } finally {
      await h.deps.identity.setActive(drafter, true);
    }
  }, 30_000);

  it('refuses a revoked certificate', async () => {
    const approver = demoUsername('approver', COMMUNE);
    const { serial, p12 } = await subscriberPkcs12({
      profile: 'personal',
      username: approver,
      reason: 'Duyệt',
    });
    expect(
      (await h.api(admin).post(`/pki/certificates/${serial}/revoke`, { reason: 'keyCompromise' })).status,
    ).toBe(200);
    const res = await h
      .api(agencyAdmin)
      .post('/pki/certificates/import', importBody(p12, { profile: 'personal', username: approver }));
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('CERT_REVOKED');
  }, 30_000);

  it('keeps an imported organisation key on standby until an audited selection makes it the sealing key', async () => {
    const now = () => new Date();
    const { serial, p12 } = await subscriberPkcs12({
      profile: 'organisation',
      reason: 'Dấu cơ quan trên token',
    });
    const imported = await h
      .api(agencyAdmin)
      .post('/pki/certificates/import', importBody(p12, { profile: 'organisation' }));
    expect(imported.status).toBe(201);
    expect(imported.body).toMatchObject({ serialHex: serial, keyHolder: 'server', standby: true });
    const sealAfterImport = await h.deps.pki.activeCertificate(
      { agency: COMMUNE, profile: 'organisation' },
      now(),
    );
    expect(sealAfterImport?.serialHex).not.toBe(serial);

    const selected = await h.api(agencyAdmin).post(`/pki/certificates/${serial}/select`, {
      note: 'Chuyển sang khóa trên token',
    });
    expect(selected.status).toBe(200);
    expect(selected.body.standby).toBe(false);
    const seal = await h.deps.pki.activeCertificate({ agency: COMMUNE, profile: 'organisation' }, now());
    expect(seal?.serialHex).toBe(serial);
    const signer = await h.deps.pki.signerFor({ agency: COMMUNE, profile: 'organisation' }, now());
    expect(await signer.certificateChain()).toHaveLength(3);
    const types = (await h.deps.audit.list({ agency: COMMUNE })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['pki.certificate_imported', 'pki.key_selected']));
    expect((await h.api(agencyAdmin).post(`/pki/certificates/${serial}/select`, {})).status).toBe(409);
  }, 30_000);
});
