import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { PDFDocument } from 'pdf-lib';
import { validatePath } from '../../pki';
import { signPdf, verifyPdf } from '../../pdf';
import { PkiStore } from '../../store/pki-store';
import { OpensslDir } from '../unit/pki/openssl';
import { testStack } from './helpers/stack-info';

const NOW = new Date('2026-05-04T03:00:00Z');
let client: MongoClient;
let db: Db;
let store: PkiStore;
const ossl = new OpensslDir();

beforeAll(async () => {
  client = await MongoClient.connect(testStack().mongoUri, { ignoreUndefined: true });
  db = client.db(`lienthong_pki_${randomUUID().slice(0, 8)}`);
  store = new PkiStore(db, { passphrase: 'test-keystore-passphrase', crlBaseUrl: 'http://127.0.0.1:8080' });
  await store.ensureCa(NOW);
}, 60_000);

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
  ossl.cleanup();
});

async function draftPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText('Cong van so 12/UBND-VP', { x: 72, y: 760, size: 12 });
  return doc.save({ useObjectStreams: false });
}

describe('the province CA on MongoDB', () => {
  it('creates the root and issuing CA once, whoever calls ensureCa', async () => {
    const root = await store.caCertificate('root');
    await Promise.all([
      store.ensureCa(NOW),
      new PkiStore(db, { passphrase: 'test-keystore-passphrase', crlBaseUrl: 'x' }).ensureCa(NOW),
    ]);
    expect(Buffer.from(await store.caCertificate('root')).equals(Buffer.from(root))).toBe(true);
    expect(await db.collection('ca_authorities').countDocuments()).toBe(2);
  });

  it('never stores a private key unencrypted', async () => {
    await store.issueServerHeld(
      {
        agency: '000.01.01.H29',
        profile: 'organisation',
        commonName: 'Ủy ban nhân dân xã Tân Phú',
        organisation: 'Ủy ban nhân dân xã Tân Phú',
      },
      NOW,
    );
    const docs = [
      ...(await db.collection('certificates').find().toArray()),
      ...(await db.collection('ca_authorities').find().toArray()),
    ];
    for (const doc of docs) {
      const key = Buffer.from(doc.encryptedKey.buffer);
      expect(
        ossl.status(['pkcs8', '-inform', 'DER', '-in', ossl.der('k.der', key), '-nocrypt']).code,
      ).not.toBe(0);
      expect(ossl.run(['asn1parse', '-inform', 'DER', '-in', ossl.der('k.der', key)])).toContain('PBES2');
    }
  });

  it('signs with a server-held personal key and the document verifies against the trust material', async () => {
    const cert = await store.issueServerHeld(
      {
        agency: '000.01.01.H29',
        profile: 'personal',
        username: 'signer.000.01.01.h29',
        commonName: 'Nguyễn Văn An',
        organisation: 'Ủy ban nhân dân xã Tân Phú',
        title: 'Chủ tịch',
      },
      NOW,
    );
    expect(cert.subject).toContain('Nguyễn Văn An');
    const signer = await store.signerFor(
      { agency: '000.01.01.H29', profile: 'personal', username: 'signer.000.01.01.h29' },
      NOW,
    );
    const signed = await signPdf(await draftPdf(), {
      signer,
      signingTime: NOW,
      appearance: { kind: 'none' },
    });
    const trust = await store.trustMaterial(NOW);
    const report = await verifyPdf(signed, { ...trust, at: NOW });
    expect(report.indication).toBe('TOTAL_PASSED');
  }, 30_000);

  it('revokes with a reason, republishes the CRL, and refuses to sign with the revoked key', async () => {
    const ref = { agency: '000.01.01.H29', profile: 'personal' as const, username: 'signer.000.01.01.h29' };
    const cert = (await store.activeCertificate(ref, NOW))!;
    const later = new Date(NOW.getTime() + 3600_000);
    await store.revoke(cert.serialHex, 'affiliationChanged', later);
    await store.revoke(cert.serialHex, 'keyCompromise', later); // idempotent: keeps the first reason
    await expect(store.signerFor(ref, later)).rejects.toMatchObject({ code: 'CERT_REVOKED' });

    const trust = await store.trustMaterial(later);
    const report = await validatePath({ ...trust, cert: cert.certificate, at: later });
    expect(report).toMatchObject({ valid: false, code: 'REVOKED' });

    const crlText = ossl.run([
      'crl',
      '-inform',
      'DER',
      '-in',
      ossl.der('issuing.crl', trust.crls[1]),
      '-text',
      '-noout',
    ]);
    expect(crlText.toUpperCase()).toContain(cert.serialHex.toUpperCase().replace(/^0+/, ''));
    expect(crlText).toContain('Affiliation Changed');
    expect(crlText).not.toContain('Key Compromise');
  }, 30_000);
});
