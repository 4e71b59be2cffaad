import {
  createRootCa,
  generateKeyPair,
  issueEndEntity,
  validatePath,
  type PathValidationInput,
} from '../../../pki';
import { createTestPki, type TestPki } from '../../helpers/test-pki';

describe('validatePath', () => {
  let pki: TestPki;
  let revokedPki: TestPki;
  const input = (over: Partial<PathValidationInput> = {}): PathValidationInput => ({
    anchors: pki.anchors,
    intermediates: pki.intermediates,
    cert: pki.personal.certificate,
    crls: [pki.crl, pki.rootCrl],
    at: pki.at,
    ...over,
  });

  beforeAll(async () => {
    pki = await createTestPki();
    revokedPki = await createTestPki({ revoke: ['personal'] });
  });

  it('accepts a good chain with CRLs and reports the path from the anchor with Unicode names', async () => {
    const r = await validatePath(input());
    expect(r).toMatchObject({ valid: true, code: 'VALID' });
    expect(r.path).toEqual([
      'CN=Lienthong Test Root CA,O=Lienthong Test PKI,C=VN',
      'CN=Lienthong Test Issuing CA,O=Lienthong Test PKI,C=VN',
      'CN=Nguyễn Văn An,title=Chủ tịch,O=Ủy ban nhân dân xã Tân Phú,L=Tân Phú,C=VN',
    ]);
  });

  it('accepts an ECDSA P-256 chain', async () => {
    const ec = await createTestPki({ keyAlgorithm: 'p256' });
    const r = await validatePath({
      anchors: ec.anchors,
      intermediates: ec.intermediates,
      cert: ec.organisation.certificate,
      crls: [ec.crl, ec.rootCrl],
      at: ec.at,
    });
    expect(r.code).toBe('VALID');
  });

  it('rejects a revoked certificate with REVOKED', async () => {
    const r = await validatePath({
      ...input(),
      anchors: revokedPki.anchors,
      intermediates: revokedPki.intermediates,
      cert: revokedPki.personal.certificate,
      crls: [revokedPki.crl, revokedPki.rootCrl],
    });
    expect(r).toMatchObject({ valid: false, code: 'REVOKED' });
    expect(r.message).toContain('keyCompromise');
  });

  it('rejects an expired end-entity certificate with EXPIRED', async () => {
    const keys = await generateKeyPair('p256');
    const short = issueEndEntity({
      profile: 'personal',
      subject: { cn: 'Trần Thị Bình', o: 'Ủy ban nhân dân xã Tân Phú' },
      subjectPublicKey: keys.publicKey,
      issuer: { certificate: pki.issuing.certificate, privateKey: pki.issuing.privateKey },
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2025-12-31T00:00:00Z'),
    });
    expect((await validatePath(input({ cert: short.certificate }))).code).toBe('EXPIRED');
  });

  it('rejects a validation time before notBefore with NOT_YET_VALID', async () => {
    const r = await validatePath(input({ at: new Date('2024-06-01T00:00:00Z'), revocation: 'none' }));
    expect(r.code).toBe('NOT_YET_VALID');
  });

  it('rejects a chain that ends in a self-signed root that is not an anchor with UNTRUSTED_ROOT', async () => {
    const other = await createRootCa({
      subject: [{ type: 'CN', value: 'Some Other Root' }],
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2035-01-01T00:00:00Z'),
      keyAlgorithm: 'p256',
    });
    const r = await validatePath(
      input({ anchors: [other.certificate], intermediates: [...pki.intermediates, ...pki.anchors] }),
    );
    expect(r).toMatchObject({ valid: false, code: 'UNTRUSTED_ROOT' });
  });

  it('rejects a chain whose issuer is missing with PATH_NOT_FOUND', async () => {
    expect((await validatePath(input({ intermediates: [] }))).code).toBe('PATH_NOT_FOUND');
  });

  it('rejects a certificate with a damaged signature with BAD_SIGNATURE', async () => {
    const bad = new Uint8Array(pki.personal.certificate);
    bad[bad.length - 1] ^= 0x01;
    expect((await validatePath(input({ cert: bad }))).code).toBe('BAD_SIGNATURE');
  });

  it('rejects a certificate signed by another key under the same issuer name with BAD_SIGNATURE', async () => {
    const other = await createTestPki();
    expect((await validatePath(input({ cert: other.personal.certificate }))).code).toBe('BAD_SIGNATURE');
  });

  it('rejects an end entity lacking a required key usage with KEY_USAGE', async () => {
    expect((await validatePath(input({ requiredKeyUsage: ['keyEncipherment'] }))).code).toBe('KEY_USAGE');
    expect(
      (await validatePath(input({ requiredKeyUsage: ['digitalSignature', 'nonRepudiation'] }))).code,
    ).toBe('VALID');
  });

  it('requires CRL coverage by default and reports CRL_MISSING without CRLs', async () => {
    expect((await validatePath(input({ crls: [] }))).code).toBe('CRL_MISSING');
    expect((await validatePath(input({ crls: [], revocation: 'none' }))).code).toBe('VALID');
  });

  it('rejects a stale CRL (nextUpdate passed) with CRL_INVALID', async () => {
    expect((await validatePath(input({ at: new Date('2027-01-01T00:00:00Z') }))).code).toBe('CRL_INVALID');
  });

  it('applies the user-initial-policy-set with explicit policy', async () => {
    const ours = await validatePath(
      input({ policies: ['1.3.6.1.4.1.99999.1.1'], initialExplicitPolicy: true }),
    );
    expect(ours.code).toBe('VALID');
    const foreign = await validatePath(input({ policies: ['1.2.3.4'], initialExplicitPolicy: true }));
    expect(foreign.code).toBe('POLICY');
  });

  it('returns MALFORMED for garbage input instead of throwing', async () => {
    expect((await validatePath(input({ cert: new Uint8Array([1, 2, 3]) }))).code).toBe('MALFORMED');
    expect((await validatePath(input({ crls: [new Uint8Array([0x30, 0x03, 1, 2, 3])] }))).code).toBe(
      'MALFORMED',
    );
  });

  it('throws only for a programming error: an invalid validation time', async () => {
    await expect(validatePath(input({ at: new Date(Number.NaN) }))).rejects.toThrow(TypeError);
  });
});
