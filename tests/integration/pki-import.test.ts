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
  admin = await h.login('admin');
  agencyAdmin = await h.login(demoUsername('agency_admin', COMMUNE));
}, 90_000);

afterAll(async () => {
  await h?.close();
});

const call = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
  h.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}` } });

/** A PKCS#12 our CA issued to a subscriber (keyDelivery pkcs12), as a token holder would bring it back. */
async function subscriberPkcs12(body: Record<string, unknown>) {
  const created = await call(agencyAdmin, 'POST', '/api/v1/pki/requests', body);
  expect(created.statusCode).toBe(201);
  const id = created.json().id as string;
  expect((await call(admin, 'POST', `/api/v1/pki/requests/${id}/approve`, {})).statusCode).toBe(200);
  const issued = await call(admin, 'POST', `/api/v1/pki/requests/${id}/issue`, {
    keyDelivery: 'pkcs12',
    pkcs12Passphrase: 'mat-khau-pkcs12',
  });
  expect(issued.statusCode).toBe(201);
  return { serial: issued.json().certificate.serialHex as string, p12: issued.json().pkcs12Base64 as string };
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
    const res = await call(
      agencyAdmin,
      'POST',
      '/api/v1/pki/certificates/import',
      importBody(Buffer.from(p12).toString('base64'), { profile: 'personal', username: 'khong.ton.tai' }),
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('CERT_UNTRUSTED');
    expect(res.json().reason).toMatch(/PATH_NOT_FOUND|UNTRUSTED_ROOT/);
    expect((await h.deps.pki.listCertificates({ agency: COMMUNE })).map((c) => c.subject)).not.toContain(
      foreign.personal.subject,
    );
  }, 30_000);

  it('refuses a certificate naming someone else, or a deactivated holder', async () => {
    const drafter = demoUsername('drafter', COMMUNE);
    const { p12 } = await subscriberPkcs12({ profile: 'personal', username: drafter, reason: 'Ký nháy' });
    const other = await call(
      agencyAdmin,
      'POST',
      '/api/v1/pki/certificates/import',
      importBody(p12, { profile: 'personal', username: demoUsername('approver', COMMUNE) }),
    );
    expect(other.statusCode).toBe(422);
    expect(other.json().reason).toBe('HOLDER_MISMATCH');

    await h.deps.identity.setActive(drafter, false);
    try {
      const closed = await call(
        agencyAdmin,
        'POST',
        '/api/v1/pki/certificates/import',
        importBody(p12, { profile: 'personal', username: drafter }),
      );
      expect(closed.statusCode).toBe(422);
      expect(closed.json().reason).toBe('HOLDER_UNKNOWN');
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
      (await call(admin, 'POST', `/api/v1/pki/certificates/${serial}/revoke`, { reason: 'keyCompromise' }))
        .statusCode,
    ).toBe(200);
    const res = await call(
      agencyAdmin,
      'POST',
      '/api/v1/pki/certificates/import',
      importBody(p12, { profile: 'personal', username: approver }),
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('CERT_REVOKED');
  }, 30_000);

  it('keeps an imported organisation key on standby until an audited selection makes it the sealing key', async () => {
    const now = () => new Date();
    const { serial, p12 } = await subscriberPkcs12({
      profile: 'organisation',
      reason: 'Dấu cơ quan trên token',
    });
    const imported = await call(
      agencyAdmin,
      'POST',
      '/api/v1/pki/certificates/import',
      importBody(p12, { profile: 'organisation' }),
    );
    expect(imported.statusCode).toBe(201);
    expect(imported.json()).toMatchObject({ serialHex: serial, keyHolder: 'server', standby: true });
    const sealAfterImport = await h.deps.pki.activeCertificate(
      { agency: COMMUNE, profile: 'organisation' },
      now(),
    );
    expect(sealAfterImport?.serialHex).not.toBe(serial);

    const selected = await call(agencyAdmin, 'POST', `/api/v1/pki/certificates/${serial}/select`, {
      note: 'Chuyển sang khóa trên token',
    });
    expect(selected.statusCode).toBe(200);
    expect(selected.json().standby).toBe(false);
    const seal = await h.deps.pki.activeCertificate({ agency: COMMUNE, profile: 'organisation' }, now());
    expect(seal?.serialHex).toBe(serial);
    const signer = await h.deps.pki.signerFor({ agency: COMMUNE, profile: 'organisation' }, now());
    expect(await signer.certificateChain()).toHaveLength(3);
    const types = (await h.deps.audit.list({ agency: COMMUNE })).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['pki.certificate_imported', 'pki.key_selected']));
    expect(
      (await call(agencyAdmin, 'POST', `/api/v1/pki/certificates/${serial}/select`, {})).statusCode,
    ).toBe(409);
  }, 30_000);
});
