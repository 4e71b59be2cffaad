import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { OpensslDir } from './openssl';

describe.each(['rsa2048', 'p256'] as const)('CA output read by openssl (%s)', (keyAlgorithm) => {
  let pki: TestPki;
  let ossl: OpensslDir;
  const attime = String(Date.parse('2026-03-01T00:00:00Z') / 1000);

  beforeAll(async () => {
    pki = await createTestPki({ keyAlgorithm, revoke: ['organisation'] });
    ossl = new OpensslDir();
    ossl.pem('root.pem', pki.root.certificate);
    ossl.pem('issuing.pem', pki.issuing.certificate);
    ossl.pem('org.pem', pki.organisation.certificate);
    ossl.pem('personal.pem', pki.personal.certificate);
    ossl.pem('crl.pem', pki.crl, 'X509 CRL');
    ossl.pem('root-crl.pem', pki.rootCrl, 'X509 CRL');
  });
  afterAll(() => ossl.cleanup());

  it('prints the personal certificate with its Vietnamese UTF-8 subject and critical extensions', () => {
    const text = ossl.run([
      'x509',
      '-in',
      'personal.pem',
      '-text',
      '-noout',
      '-nameopt',
      'utf8,sep_comma_plus',
    ]);
    expect(text).toContain('CN=Nguyễn Văn An');
    expect(text).toContain('O=Ủy ban nhân dân xã Tân Phú');
    expect(text).toContain('title=Chủ tịch');
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toContain('Policy: 1.3.6.1.4.1.99999.1.1');
    expect(text).toContain('URI:http://pki.test/pki/crl/issuing.crl');
  });

  it('prints the issuing CA with pathlen 0, AKI and AIA', () => {
    const text = ossl.run(['x509', '-in', 'issuing.pem', '-text', '-noout']);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toContain('Authority Key Identifier');
    expect(text).toContain('CA Issuers - URI:http://pki.test/pki/ca/root.cer');
  });

  it('prints the CRL with its number, AKI and the revocation reason', () => {
    const text = ossl.run(['crl', '-in', 'crl.pem', '-text', '-noout']);
    expect(text).toMatch(/CRL Number:\s+1/);
    expect(text).toContain('Authority Key Identifier');
    expect(text).toContain(pki.organisation.serialHex.toUpperCase());
    expect(text).toContain('Key Compromise');
  });

  it('openssl verify -crl_check accepts the good certificate', () => {
    const r = ossl.status([
      'verify',
      '-crl_check',
      '-attime',
      attime,
      '-CAfile',
      'root.pem',
      '-untrusted',
      'issuing.pem',
      '-CRLfile',
      'crl.pem',
      'personal.pem',
    ]);
    expect(r.out).toContain('personal.pem: OK');
    expect(r.code).toBe(0);
  });

  it('openssl verify -crl_check_all accepts the whole chain with both CRLs', () => {
    const r = ossl.status([
      'verify',
      '-crl_check_all',
      '-attime',
      attime,
      '-CAfile',
      'root.pem',
      '-untrusted',
      'issuing.pem',
      '-CRLfile',
      'crl.pem',
      '-CRLfile',
      'root-crl.pem',
      'personal.pem',
    ]);
    expect(r.code).toBe(0);
  });

  it('openssl verify -crl_check rejects the revoked certificate', () => {
    const r = ossl.status([
      'verify',
      '-crl_check',
      '-attime',
      attime,
      '-CAfile',
      'root.pem',
      '-untrusted',
      'issuing.pem',
      '-CRLfile',
      'crl.pem',
      'org.pem',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.out).toContain('certificate revoked');
  });
});
