import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type VerifyPdfOptions, verifyPdf } from '../../../pdf';
import { PdfReader } from '../../../pdf/core/document';
import { bufferSource } from '../../../pdf/core/source';
import { parseSignedData } from '../../../pdf/cms/parse-signed-data';
import { OID } from '../../../pdf/cms/oids';
import { addDocumentTimestamp } from '../../../pdf/sign/document-timestamp';
import { appendDss } from '../../../pdf/sign/dss';
import { signPdf } from '../../../pdf/sign/sign-pdf';
import type { TimestampTokenSource } from '../../../pdf/sign/signature-timestamp';
import { gatherValidationMaterial } from '../../../pdf/sign/validation-material';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { createTestTsa, type TestTsa } from './support/test-tsa';
import { nssDbWithRoot, pdfsig, tempDir, tool, toPem } from './support/tools';

jest.setTimeout(120_000);

const SIGNED_AT = new Date('2026-02-15T03:00:00Z');
const REVOKED_AT = new Date('2026-03-10T00:00:00Z');
/** Years later: every CRL has passed its nextUpdate (2026-07-01); the certificates are still within validity. */
const YEARS_LATER = new Date('2029-06-01T00:00:00Z');

let pki: TestPki;
let tsa: TestTsa;
let dir: string;
let nss: string;
/** The issuing CA's CRL published after the signer's certificate was revoked. */
let revokedCrl: Uint8Array;
let bT: Uint8Array;
let bLt: Uint8Array;
let bLta: Uint8Array;

const sign = (pdf: Uint8Array, timestamp: boolean) =>
  signPdf(pdf, {
    signer: pki.personal.signer,
    signingTime: SIGNED_AT,
    reason: 'Ký ban hành — Ủy ban nhân dân xã Tân Phú',
    ...(timestamp ? { signatureTimestamp: tsa.source } : {}),
  });

/** B-LT as `pdf extend` makes it: the material of every signature and time-stamp, with the given CRLs. */
async function extendLt(pdf: Uint8Array, crls: Uint8Array[]): Promise<Uint8Array> {
  return appendDss(pdf, await gatherValidationMaterial(pdf, { crls, gatheredAt: REVOKED_AT }));
}

const anchorsOnly = (pdf: Uint8Array, at: Date, extra: Partial<VerifyPdfOptions> = {}) =>
  verifyPdf(pdf, { anchors: pki.anchors, at, revocation: 'when-available', ...extra });

/** The /Contents of signature `index` as pdfsig -dump exports it (it writes `<name>.sig<n>` in its working dir). */
function dumped(pdf: Uint8Array, index: number): Buffer {
  const name = `dump-${Math.random().toString(36).slice(2)}.pdf`;
  writeFileSync(join(dir, name), pdf);
  expect(spawnSync('pdfsig', ['-nssdir', nss, '-dump', name], { cwd: dir }).status).toBe(0);
  return readFileSync(join(dir, `${name}.sig${index}`));
}

beforeAll(async () => {
  pki = await createTestPki();
  tsa = await createTestTsa(pki, SIGNED_AT);
  dir = tempDir('lienthong-ltv-');
  nss = nssDbWithRoot(dir, pki.root.certificate);
  revokedCrl = pki.makeCrl({
    crlNumber: 2,
    thisUpdate: REVOKED_AT,
    revoked: [{ serial: pki.personal.serialHex, date: REVOKED_AT, reason: 'keyCompromise' }],
  });
  bT = await sign(await makePdf(), true);
  bLt = await extendLt(bT, [revokedCrl, pki.rootCrl]);
  tsa.now = new Date('2026-03-11T00:00:00Z');
  bLta = await addDocumentTimestamp(bLt, { source: tsa.source });
});

describe('PAdES B-T: a signature time-stamp from the TSA', () => {
  it('verifies and reports the level and the time-stamp time', async () => {
    const r = await verifyPdf(bT, { anchors: pki.anchors, crls: [pki.crl, pki.rootCrl], at: pki.at });
    expect(r.signatures[0]).toMatchObject({
      indication: 'TOTAL_PASSED',
      level: 'B-T',
      timestampTimes: [SIGNED_AT.toISOString()],
    });
  });

  it('carries id-smime-aa-timeStampToken, which openssl cms prints and openssl ts -verify accepts', () => {
    const cms = dumped(bT, 0);
    writeFileSync(join(dir, 'bt.p7s'), cms);
    const printed = tool('openssl', [
      'cms',
      '-cmsout',
      '-print',
      '-inform',
      'DER',
      '-in',
      join(dir, 'bt.p7s'),
    ]).stdout;
    expect(printed).toContain('id-smime-aa-timeStampToken');
    const si = parseSignedData(cms).signerInfos[0]!;
    const token = si.unsignedAttributes.get(OID.signatureTimeStampToken)![0]!.raw;
    writeFileSync(join(dir, 'bt.tst'), token);
    writeFileSync(join(dir, 'root.pem'), toPem(pki.root.certificate));
    const digest = createHash('sha256').update(si.signature).digest('hex');
    const v = tool('openssl', [
      'ts',
      '-verify',
      '-token_in',
      '-in',
      join(dir, 'bt.tst'),
      '-digest',
      digest,
      '-CAfile',
      join(dir, 'root.pem'),
    ]);
    expect(v.stdout + v.stderr).toContain('Verification: OK');
  });
});

describe('PAdES B-LT and B-LTA', () => {
  it('embeds a /DSS with Certs, CRLs and a VRI entry per signature', async () => {
    const reader = await PdfReader.open(bufferSource(bLt));
    const dss = await reader.resolveDict((await reader.catalog()).get('DSS'));
    expect([...dss!.map.keys()]).toEqual(expect.arrayContaining(['Certs', 'CRLs', 'VRI']));
    const vri = await reader.resolveDict(dss!.get('VRI'));
    expect([...vri!.map.keys()]).toHaveLength(1);
    expect([...vri!.map.keys()][0]).toMatch(/^[0-9A-F]{40}$/);
  });

  it('keeps the signature valid for pdfsig and the file sound for qpdf after each extension', () => {
    for (const [name, pdf] of [
      ['lt', bLt],
      ['lta', bLta],
    ] as const) {
      const file = join(dir, `${name}.pdf`);
      writeFileSync(file, pdf);
      const sigs = pdfsig(nss, file);
      expect(sigs[0]).toMatchObject({ valid: true });
      expect(tool('qpdf', ['--check', file]).status).toBe(0);
    }
  });

  it('reaches B-LT, then B-LTA with a valid document time-stamp over the /DSS', async () => {
    const lt = await anchorsOnly(bLt, REVOKED_AT);
    expect(lt.signatures[0]).toMatchObject({ indication: 'TOTAL_PASSED', level: 'B-LT' });
    expect(lt.dss).toMatchObject({ crls: 2, vri: 1 });
    const lta = await anchorsOnly(bLta, REVOKED_AT);
    expect(lta.signatures[0]).toMatchObject({ indication: 'TOTAL_PASSED', level: 'B-LTA' });
    expect(lta.timestamps[0]).toMatchObject({ valid: true, imprintMatches: true });
  });

  it('exports a document time-stamp that openssl ts -verify accepts over the ByteRange', () => {
    const token = dumped(bLta, 1);
    writeFileSync(join(dir, 'doc.tst'), token);
    const text = tool('openssl', ['ts', '-reply', '-token_in', '-in', join(dir, 'doc.tst'), '-text']).stdout;
    expect(text).toContain('Policy OID: 1.3.6.1.4.1.99999.1.2');
    const all = [
      ...Buffer.from(bLta)
        .toString('latin1')
        .matchAll(/\/ByteRange\s*\[\s*(\d+) (\d+) (\d+) (\d+)/g),
    ];
    const [a, b, c, d] = all[all.length - 1]!.slice(1).map(Number) as [number, number, number, number];
    writeFileSync(
      join(dir, 'covered.bin'),
      Buffer.concat([bLta.subarray(a, a + b), bLta.subarray(c, c + d)]),
    );
    writeFileSync(join(dir, 'root.pem'), toPem(pki.root.certificate));
    const v = tool('openssl', [
      'ts',
      '-verify',
      '-token_in',
      '-in',
      join(dir, 'doc.tst'),
      '-data',
      join(dir, 'covered.bin'),
      '-CAfile',
      join(dir, 'root.pem'),
    ]);
    expect(v.stdout + v.stderr).toContain('Verification: OK');
  });
});

describe('time travel: sign at T, revoke at T+1, verify years later', () => {
  it('B-B: a revocation after the claimed signing time without proof of existence is REVOKED_NO_POE', async () => {
    const bB = await sign(await makePdf(), false);
    const r = await verifyPdf(bB, {
      anchors: pki.anchors,
      crls: [revokedCrl, pki.rootCrl],
      at: new Date('2026-04-01T00:00:00Z'),
    });
    expect(r.signatures[0]).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'REVOKED_NO_POE',
      level: 'B-B',
    });
  });

  it('B-LT and B-LTA: TOTAL_PASSED years later from the trust anchors and the embedded material alone', async () => {
    for (const pdf of [bLt, bLta]) {
      const r = await anchorsOnly(pdf, YEARS_LATER);
      expect(r.signatures[0]!.messages.join('\n')).toContain('embedded validation material');
      expect(r.signatures[0]).toMatchObject({ valid: true, indication: 'TOTAL_PASSED' });
      expect(r.valid).toBe(true);
    }
  });

  it('B-T without the material cannot prove anything years later', async () => {
    const r = await anchorsOnly(bT, YEARS_LATER, { crls: [revokedCrl, pki.rootCrl] });
    expect(r.signatures[0]!.indication).toBe('INDETERMINATE');
  });

  it('a byte changed in the /DSS breaks the document time-stamp and drops the level to B-LT', async () => {
    const tampered = Buffer.from(bLta);
    const at = tampered.indexOf(Buffer.from(revokedCrl).subarray(40, 60), bT.length);
    expect(at).toBeGreaterThan(bT.length);
    tampered[at] ^= 0x01;
    const r = await anchorsOnly(tampered, REVOKED_AT);
    expect(r.timestamps[0]).toMatchObject({ valid: false, subIndication: 'HASH_FAILURE' });
    expect(r.signatures[0]!.level).not.toBe('B-LTA');
  });

  it('a signature time-stamp over other data is a HASH_FAILURE and no proof of existence', async () => {
    // A token over other data, as a TSA mix-up or a copied token would give.
    const wrong: TimestampTokenSource = (_digest, hash) =>
      tsa.source(createHash('sha256').update('other data').digest(), hash);
    const bad = await signPdf(await makePdf(), {
      signer: pki.personal.signer,
      signingTime: SIGNED_AT,
      signatureTimestamp: wrong,
    });
    const r = await verifyPdf(bad, {
      anchors: pki.anchors,
      crls: [revokedCrl, pki.rootCrl],
      at: new Date('2026-04-01T00:00:00Z'),
    });
    expect(r.signatures[0]!.signerInfos[0]!.signatureTimestamps[0]).toMatchObject({
      valid: false,
      subIndication: 'HASH_FAILURE',
    });
    expect(r.signatures[0]).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'REVOKED_NO_POE',
      level: 'B-B',
    });
  });
});
