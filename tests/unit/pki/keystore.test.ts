import { X509Certificate, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createFileSigner,
  decryptPrivateKey,
  encryptPrivateKey,
  exportPkcs12,
  importPkcs12,
  signerFromEncryptedPkcs8,
} from '../../../pki';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { OpensslDir } from './openssl';

describe('key store', () => {
  let pki: TestPki;
  let ecPki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
    ecPki = await createTestPki({ keyAlgorithm: 'p256' });
  });

  it('encrypts keys as PKCS#8 PBES2 with AES-256-CBC that openssl reads', () => {
    const der = encryptPrivateKey(pki.personal.privateKey, 'correct horse');
    const ossl = new OpensslDir();
    try {
      ossl.der('key.p8', der);
      const out = ossl.run(['asn1parse', '-inform', 'DER', '-in', 'key.p8']);
      expect(out).toContain('PBES2');
      expect(out).toContain('aes-256-cbc');
      expect(
        ossl.status(['pkey', '-inform', 'DER', '-in', 'key.p8', '-passin', 'pass:correct horse', '-noout'])
          .code,
      ).toBe(0);
    } finally {
      ossl.cleanup();
    }
  });

  it('refuses a wrong passphrase with KEY_DECRYPT_FAILED and no key material in the error', () => {
    const der = encryptPrivateKey(pki.personal.privateKey, 'right');
    let error: unknown;
    try {
      decryptPrivateKey(der, 'wrong');
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ name: 'KeystoreError', code: 'KEY_DECRYPT_FAILED' });
    expect(String((error as Error).message)).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('signs with a signer from an encrypted PKCS#8 key (RSA PKCS#1 and PSS)', async () => {
    const der = encryptPrivateKey(pki.organisation.privateKey, 'pw');
    const signer = signerFromEncryptedPkcs8(der, 'pw', [
      pki.organisation.certificate,
      pki.issuing.certificate,
    ]);
    expect(signer.keyAlgorithm).toBe('RSA');
    expect(await signer.certificateChain()).toHaveLength(2);
    const data = Buffer.from('văn bản');
    const pub = new X509Certificate(pki.organisation.certificate).publicKey;
    const sig = await signer.sign(data, { hash: 'SHA-256' });
    expect(verify('sha256', data, pub, sig)).toBe(true);
    const pss = await signer.sign(data, { hash: 'SHA-256', scheme: 'pss' });
    expect(verify('sha256', data, { key: pub, padding: 6, saltLength: 32 }, pss)).toBe(true);
  });

  it('loads a file signer and signs ECDSA with a DER ECDSA-Sig-Value', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lienthong-ks-'));
    try {
      writeFileSync(path.join(dir, 'k.p8'), encryptPrivateKey(ecPki.personal.privateKey, 'pw'));
      writeFileSync(path.join(dir, 'c.crt'), ecPki.personal.certificate);
      const signer = await createFileSigner({
        keyFile: path.join(dir, 'k.p8'),
        passphrase: 'pw',
        chainFiles: [path.join(dir, 'c.crt')],
      });
      expect(signer.keyAlgorithm).toBe('ECDSA');
      const sig = await signer.sign(Buffer.from('x'), { hash: 'SHA-384' });
      expect(sig[0]).toBe(0x30);
      const pub = new X509Certificate(ecPki.personal.certificate).publicKey;
      expect(verify('sha384', Buffer.from('x'), pub, sig)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['rsa', 'ec'])('round-trips PKCS#12 (%s) and openssl pkcs12 -info reads it', async (kind) => {
    const p = kind === 'rsa' ? pki : ecPki;
    const chain = [p.personal.certificate, p.issuing.certificate, p.root.certificate];
    const p12 = await exportPkcs12(p.personal.privateKey, chain, 'p12-secret');
    const back = await importPkcs12(p12, 'p12-secret');
    expect(back.certificates.map((c) => Buffer.from(c).toString('hex'))).toEqual(
      chain.map((c) => Buffer.from(c).toString('hex')),
    );
    expect(
      back.privateKey
        .export({ type: 'pkcs8', format: 'der' })
        .equals(p.personal.privateKey.export({ type: 'pkcs8', format: 'der' })),
    ).toBe(true);
    const ossl = new OpensslDir();
    try {
      ossl.der('x.p12', p12);
      const r = ossl.status(['pkcs12', '-info', '-nokeys', '-in', 'x.p12', '-passin', 'pass:p12-secret']);
      expect(r.code).toBe(0);
      expect(r.out).toContain('MAC: sha256');
      expect(r.out).toContain('AES-256-CBC');
      expect(r.out).toContain('Lienthong Test Issuing CA');
    } finally {
      ossl.cleanup();
    }
  });

  it('imports a PKCS#12 written by openssl with its chain', async () => {
    const ossl = new OpensslDir();
    try {
      ossl.pem('cert.pem', pki.personal.certificate);
      ossl.pem('chain.pem', pki.issuing.certificate);
      ossl.pem('key.pem', pki.personal.privateKeyPkcs8, 'PRIVATE KEY');
      ossl.run([
        'pkcs12',
        '-export',
        '-in',
        'cert.pem',
        '-certfile',
        'chain.pem',
        '-inkey',
        'key.pem',
        '-out',
        'o.p12',
        '-passout',
        'pass:abc',
      ]);
      const { readFileSync } = await import('node:fs');
      const imported = await importPkcs12(new Uint8Array(readFileSync(path.join(ossl.dir, 'o.p12'))), 'abc');
      expect(imported.certificates).toHaveLength(2);
      expect(imported.privateKey.asymmetricKeyType).toBe('rsa');
      await expect(
        importPkcs12(new Uint8Array(readFileSync(path.join(ossl.dir, 'o.p12'))), 'wrong'),
      ).rejects.toMatchObject({
        code: 'PKCS12_INVALID',
      });
    } finally {
      ossl.cleanup();
    }
  });
});
