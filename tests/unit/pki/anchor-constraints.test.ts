import * as pkijs from 'pkijs';
import {
  generateKeyPair,
  issueCertificate,
  validatePath,
  type KeyPair,
  type PathValidationInput,
} from '../../../pki';
import { basicConstraintsExtension, keyUsageExtension } from '../../../pki/ca/extensions';

const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
const NOT_AFTER = new Date('2030-01-01T00:00:00Z');
const AT = new Date('2026-03-01T00:00:00Z');

function nameConstraints(permittedDns: string[]): pkijs.Extension {
  const nc = new pkijs.NameConstraints({
    permittedSubtrees: permittedDns.map(
      (value) => new pkijs.GeneralSubtree({ base: new pkijs.GeneralName({ type: 2, value }) }),
    ),
  });
  return new pkijs.Extension({ extnID: '2.5.29.30', critical: true, extnValue: nc.toSchema().toBER(false) });
}

function dnsSan(names: string[]): pkijs.Extension {
  const san = new pkijs.GeneralNames({
    names: names.map((value) => new pkijs.GeneralName({ type: 2, value })),
  });
  return new pkijs.Extension({
    extnID: '2.5.29.17',
    critical: false,
    extnValue: san.toSchema().toBER(false),
  });
}

/** An unknown critical extension whose extnValue is empty (x509-limbo 1.3.6.1.4.1.55738.666.1). */
function emptyUnknownCritical(): pkijs.Extension {
  return new pkijs.Extension({
    extnID: '1.3.6.1.4.1.55738.666.1',
    critical: true,
    extnValue: new ArrayBuffer(0),
  });
}

interface Ca {
  certificate: Uint8Array;
  privateKey: KeyPair['privateKey'];
}

async function root(
  cn: string,
  extensions: pkijs.Extension[],
  validity = { notBefore: NOT_BEFORE, notAfter: NOT_AFTER },
): Promise<Ca> {
  const keys = await generateKeyPair('p256');
  const issued = issueCertificate({
    subject: [{ type: 'CN', value: cn }],
    subjectPublicKey: keys.publicKey,
    selfSignKey: keys.privateKey,
    ...validity,
    extensions,
  });
  return { certificate: issued.certificate, privateKey: keys.privateKey };
}

async function issue(issuer: Ca, cn: string, extensions: pkijs.Extension[]): Promise<Ca> {
  const keys = await generateKeyPair('p256');
  const issued = issueCertificate({
    subject: [{ type: 'CN', value: cn }],
    subjectPublicKey: keys.publicKey,
    issuer,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    extensions,
  });
  return { certificate: issued.certificate, privateKey: keys.privateKey };
}

const caExtensions = (pathLen?: number) => [
  basicConstraintsExtension(true, pathLen),
  keyUsageExtension(['keyCertSign', 'cRLSign']),
];
const eeExtensions = (dns: string[]) => [keyUsageExtension(['digitalSignature']), dnsSan(dns)];

describe('trust anchor constraints (RFC 5937)', () => {
  const input = (over: Partial<PathValidationInput> & Pick<PathValidationInput, 'anchors' | 'cert'>) => ({
    at: AT,
    revocation: 'none' as const,
    ...over,
  });

  it("applies the anchor's name constraints by default and says so; ignores them when the anchor is marked so", async () => {
    const constrained = await root('Root CA of Tinh Tay Ninh', [
      ...caExtensions(),
      nameConstraints(['tayninh.gov.vn']),
    ]);
    const inside = await issue(constrained, 'So Noi vu', eeExtensions(['sonv.tayninh.gov.vn']));
    const outside = await issue(constrained, 'Elsewhere', eeExtensions(['example.com']));

    expect(
      await validatePath(input({ anchors: [constrained.certificate], cert: inside.certificate })),
    ).toMatchObject({ valid: true, anchorConstraints: 'enforced' });
    const refused = await validatePath(
      input({ anchors: [constrained.certificate], cert: outside.certificate }),
    );
    expect(refused).toMatchObject({ valid: false, code: 'NAME_CONSTRAINTS', anchorConstraints: 'enforced' });
    const ignored = await validatePath(
      input({
        anchors: [{ certificate: constrained.certificate, constraints: 'ignore' }],
        cert: outside.certificate,
      }),
    );
    expect(ignored).toMatchObject({ valid: true, anchorConstraints: 'ignored' });
    expect(ignored.message).toContain('trust anchor constraints ignored');
  });

  it('rejects a path under an expired anchor with EXPIRED, unless its constraints are ignored', async () => {
    const expired = await root('Old Root', caExtensions(), {
      notBefore: new Date('2015-01-01T00:00:00Z'),
      notAfter: new Date('2025-06-01T00:00:00Z'),
    });
    const ee = await issue(expired, 'Can bo', eeExtensions(['a.gov.vn']));
    const r = await validatePath(input({ anchors: [expired.certificate], cert: ee.certificate }));
    expect(r).toMatchObject({ valid: false, code: 'EXPIRED' });
    expect(r.message).toContain('trust anchor');
    const ignored = await validatePath(
      input({ anchors: [{ certificate: expired.certificate, constraints: 'ignore' }], cert: ee.certificate }),
    );
    expect(ignored.valid).toBe(true);
  });

  it("applies the anchor's pathLenConstraint and requires it to be a CA", async () => {
    const pathLen0 = await root('Root pathLen 0', caExtensions(0));
    const sub = await issue(pathLen0, 'Sub CA', caExtensions());
    const ee = await issue(sub, 'Can bo', eeExtensions(['a.gov.vn']));
    expect(
      await validatePath(
        input({ anchors: [pathLen0.certificate], intermediates: [sub.certificate], cert: ee.certificate }),
      ),
    ).toMatchObject({ valid: false, code: 'BASIC_CONSTRAINTS' });

    const notCa = await root('Root without basicConstraints', [keyUsageExtension(['keyCertSign'])]);
    const ee2 = await issue(notCa, 'Can bo', eeExtensions(['a.gov.vn']));
    expect(await validatePath(input({ anchors: [notCa.certificate], cert: ee2.certificate }))).toMatchObject({
      valid: false,
      code: 'BASIC_CONSTRAINTS',
    });
  });

  it('still checks the validity of a target that is itself a trust anchor', async () => {
    const expired = await root('Trusted leaf', caExtensions(), {
      notBefore: new Date('2015-01-01T00:00:00Z'),
      notAfter: new Date('2025-06-01T00:00:00Z'),
    });
    expect(
      await validatePath(input({ anchors: [expired.certificate], cert: expired.certificate })),
    ).toMatchObject({
      valid: false,
      code: 'EXPIRED',
    });
  });
});

describe('certificate profile rules (RFC 5280 section 4)', () => {
  it('accepts a CA whose basicConstraints is not critical and reports it as a warning', async () => {
    const nonCritical = new pkijs.Extension({
      extnID: '2.5.29.19',
      critical: false,
      extnValue: new pkijs.BasicConstraints({ cA: true }).toSchema().toBER(false),
    });
    const ca = await root('Root with non-critical basicConstraints', [
      nonCritical,
      keyUsageExtension(['keyCertSign', 'cRLSign']),
    ]);
    const ee = await issue(ca, 'Can bo', eeExtensions(['a.gov.vn']));
    const r = await validatePath({
      anchors: [ca.certificate],
      cert: ee.certificate,
      at: AT,
      revocation: 'none',
    });
    expect(r).toMatchObject({ valid: true, anchorConstraints: 'enforced' });
    expect(r.warnings).toEqual([
      expect.stringContaining('basicConstraints of a CA certificate is not critical'),
    ]);
  });

  it('rejects an end entity that asserts keyCertSign without being a CA', async () => {
    const ca = await root('Root', caExtensions());
    const ee = await issue(ca, 'Can bo', [
      keyUsageExtension(['digitalSignature', 'keyCertSign']),
      dnsSan(['a.gov.vn']),
    ]);
    expect(
      await validatePath({ anchors: [ca.certificate], cert: ee.certificate, at: AT, revocation: 'none' }),
    ).toMatchObject({ valid: false, code: 'KEY_USAGE' });
  });
});

describe('candidates and critical extensions', () => {
  it('skips and reports an unparsable intermediate that is not on the path', async () => {
    const ca = await root('Root', caExtensions());
    const ee = await issue(ca, 'Can bo', eeExtensions(['a.gov.vn']));
    const r = await validatePath({
      anchors: [ca.certificate],
      intermediates: [new Uint8Array([0x30, 0x03, 1, 2, 3])],
      cert: ee.certificate,
      at: AT,
      revocation: 'none',
    });
    expect(r).toMatchObject({ valid: true, code: 'VALID' });
    expect(r.skipped).toEqual([expect.stringContaining('intermediate #1')]);
  });

  it('returns MALFORMED when no path is found and an unparsable candidate was left out', async () => {
    const ca = await root('Root', caExtensions());
    const ee = await issue(ca, 'Can bo', eeExtensions(['a.gov.vn']));
    const r = await validatePath({
      anchors: [new Uint8Array([0x30, 0x03, 1, 2, 3])],
      cert: ee.certificate,
      at: AT,
      revocation: 'none',
    });
    expect(r).toMatchObject({ valid: false, code: 'MALFORMED' });
  });

  it('rejects an unknown critical extension with an empty value by the unknown-critical rule, not as MALFORMED', async () => {
    const ca = await root('Root', caExtensions());
    const ee = await issue(ca, 'Can bo', [...eeExtensions(['a.gov.vn']), emptyUnknownCritical()]);
    expect(
      await validatePath({ anchors: [ca.certificate], cert: ee.certificate, at: AT, revocation: 'none' }),
    ).toMatchObject({ valid: false, code: 'UNKNOWN_CRITICAL_EXTENSION' });
    const unrelated = await issue(ca, 'Unrelated Sub CA', [...caExtensions(), emptyUnknownCritical()]);
    const good = await issue(ca, 'Can bo', eeExtensions(['a.gov.vn']));
    expect(
      await validatePath({
        anchors: [ca.certificate],
        intermediates: [unrelated.certificate],
        cert: good.certificate,
        at: AT,
        revocation: 'none',
      }),
    ).toMatchObject({ valid: true });
  });

  it('compares validity at second precision (RFC 5280 encodes whole seconds)', async () => {
    const ca = await root('Root', caExtensions());
    const ee = await issue(ca, 'Can bo', eeExtensions(['a.gov.vn']));
    const at = (iso: string) => ({
      anchors: [ca.certificate],
      cert: ee.certificate,
      at: new Date(iso),
      revocation: 'none' as const,
    });
    expect((await validatePath(at('2030-01-01T00:00:00.999Z'))).valid).toBe(true);
    expect(await validatePath(at('2030-01-01T00:00:01.000Z'))).toMatchObject({ code: 'EXPIRED' });
    expect(await validatePath(at('2024-12-31T23:59:59.999Z'))).toMatchObject({ code: 'NOT_YET_VALID' });
  });
});
