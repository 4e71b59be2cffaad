import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyPdf } from '../../../pdf';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { VARIANTS, makePdf } from './support/corpus';
import { opensslVerify, signTwice } from './support/signing';
import { nssDbWithRoot, pdfsig, tempDir, toPem, tool } from './support/tools';

jest.setTimeout(120_000);

let pki: TestPki;
let dir: string;
let db: string;

beforeAll(async () => {
  pki = await createTestPki();
  dir = tempDir();
  db = nssDbWithRoot(dir, pki.root.certificate);
});

function qpdfCheck(bytes: Uint8Array, name: string): { status: number | null; out: string } {
  const f = join(dir, `${name}.pdf`);
  writeFileSync(f, bytes);
  const r = tool('qpdf', ['--check', f]);
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('incremental PAdES signing interoperates with poppler, qpdf and openssl', () => {
  it('produces one- and two-signature PDFs that pdfsig, qpdf --check and openssl cms accept', async () => {
    const { one, two } = await signTwice(pki, await makePdf());
    const f1 = join(dir, 'one.pdf');
    const f2 = join(dir, 'two.pdf');
    writeFileSync(f1, one);
    writeFileSync(f2, two);
    expect(Buffer.from(two.subarray(0, one.length)).equals(Buffer.from(one))).toBe(true);

    const s1 = pdfsig(db, f1);
    expect(s1).toEqual([{ valid: true, total: true, trusted: true }]);
    const s2 = pdfsig(db, f2);
    expect(s2).toEqual([
      { valid: true, total: false, trusted: true },
      { valid: true, total: true, trusted: true },
    ]);
    expect(qpdfCheck(one, 'q1').status).toBe(0);
    const q2 = qpdfCheck(two, 'q2');
    expect(q2.status).toBe(0);
    expect(q2.out).toContain('No syntax or stream encoding errors');
    const rootPem = toPem(pki.root.certificate);
    expect(await opensslVerify(dir, two, rootPem, 0)).toBe(true);
    expect(await opensslVerify(dir, two, rootPem, 1)).toBe(true);

    mkdirSync('test-output', { recursive: true });
    writeFileSync('test-output/two-signatures.pdf', two);
  });

  it.each(VARIANTS.map((v) => [v.name, v] as const))(
    'signs a %s document twice, valid everywhere',
    async (name, v) => {
      const input = await v.make(dir);
      const { two } = await signTwice(pki, input);
      const f = join(dir, `variant-${name}.pdf`);
      writeFileSync(f, two);
      const sigs = pdfsig(db, f);
      expect(sigs.map((s) => s.valid)).toEqual([true, true]);
      expect(sigs[1]!.total).toBe(true);
      expect(qpdfCheck(two, `variant-q-${name}`).status).toBe(0);
      const report = await verifyPdf(two, { anchors: pki.anchors, crls: [pki.crl, pki.rootCrl], at: pki.at });
      expect(report.signatures.map((s) => [s.valid, s.subIndication])).toEqual([
        [true, undefined],
        [true, undefined],
      ]);
      expect(report.indication).toBe('TOTAL_PASSED');
    },
  );

  it('signs with ECDSA P-256, RSA-PSS and SHA-384 and pdfsig and openssl accept them', async () => {
    const ec = await createTestPki({ keyAlgorithm: 'p256' });
    const cases = [
      { pki: ec, opts: {} },
      { pki, opts: { rsaScheme: 'pss' as const } },
      { pki, opts: { hash: 'SHA-384' as const } },
    ];
    for (const [i, c] of cases.entries()) {
      const { two } = await signTwice(c.pki, await makePdf(), c.opts);
      const f = join(dir, `alg-${i}.pdf`);
      writeFileSync(f, two);
      const nss = nssDbWithRoot(tempDir(), c.pki.root.certificate);
      expect(pdfsig(nss, f).map((s) => s.valid)).toEqual([true, true]);
      expect(await opensslVerify(dir, two, toPem(c.pki.root.certificate), 1)).toBe(true);
      const report = await verifyPdf(two, {
        anchors: c.pki.anchors,
        crls: [c.pki.crl, c.pki.rootCrl],
        at: c.pki.at,
      });
      expect(report.indication).toBe('TOTAL_PASSED');
    }
  });
});
