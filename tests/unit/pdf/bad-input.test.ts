import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PdfErrorCodes, isPdfError, prepareSignature, signPdf, verifyPdf } from '../../../pdf';
import { parseCertificate } from '../../../pdf/cms/certificate';
import { buildSignedAttributes, buildSignedData } from '../../../pdf/cms/signed-data';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { PERSONAL_TIME, signTwice } from './support/signing';
import { tempDir, tool } from './support/tools';

jest.setTimeout(120_000);

let pki: TestPki;
let two: Buffer;
let one: Buffer;

beforeAll(async () => {
  pki = await createTestPki();
  const r = await signTwice(pki, await makePdf());
  two = Buffer.from(r.two);
  one = Buffer.from(r.one);
});

const opts = () => ({ anchors: pki.anchors, at: pki.at, revocation: 'none' as const });
const codes = new Set<string>(Object.values(PdfErrorCodes));

async function outcome(bytes: Uint8Array): Promise<string> {
  try {
    const r = await verifyPdf(bytes, opts());
    return r.signatures.map((s) => s.subIndication ?? 'OK').join(',') || 'UNSIGNED';
  } catch (err) {
    if (isPdfError(err) && codes.has(err.code)) return err.code;
    throw err;
  }
}

async function reconstructed(bytes: Uint8Array): Promise<boolean> {
  const r = await verifyPdf(bytes, opts());
  return !!r.structureWarnings?.some((w) => w.code === 'XREF_RECONSTRUCTED');
}

async function signError(bytes: Uint8Array): Promise<string | undefined> {
  try {
    await signPdf(bytes, { signer: pki.personal.signer, signingTime: PERSONAL_TIME });
    return undefined;
  } catch (err) {
    if (isPdfError(err)) return err.code;
    throw err;
  }
}

/** Replaces `from` by `to` (same length, so offsets stay valid). */
function patch(b: Buffer, from: string, to: string, nth = 0): Buffer {
  expect(to.length).toBe(from.length);
  const out = Buffer.from(b);
  let at = -1;
  for (let i = 0; i <= nth; i++) at = out.indexOf(from, at + 1, 'latin1');
  expect(at).toBeGreaterThanOrEqual(0);
  out.write(to, at, 'latin1');
  return out;
}

function byteRangeText(b: Buffer, nth: number): string {
  return [...b.toString('latin1').matchAll(/\/ByteRange\[[^\]]*\]/g)][nth]![0];
}

describe('malformed and hostile input', () => {
  it('refuses non-PDF, truncated, encrypted and broken-xref files with stable codes', async () => {
    const plain = Buffer.from(await makePdf());
    expect(await signError(Buffer.from('hello'))).toBe('MALFORMED_PDF');
    expect(await signError(plain.subarray(0, plain.length / 2))).toBe('XREF_BROKEN');
    const lastStart = plain.lastIndexOf('startxref');
    const broken = Buffer.concat([plain.subarray(0, lastStart), Buffer.from('startxref\n17\n%%EOF\n')]);
    expect(await signError(broken)).toBe('XREF_BROKEN');
    // Verification rebuilds the table by scanning, as qpdf and pdfsig do, and says so (issue 11).
    expect(await outcome(broken)).toBe('UNSIGNED');
    expect(await reconstructed(broken)).toBe(true);
    const dir = tempDir();
    writeFileSync(join(dir, 'p.pdf'), plain);
    expect(
      tool('qpdf', ['--encrypt', 'u', 'o', '256', '--', join(dir, 'p.pdf'), join(dir, 'e.pdf')]).status,
    ).toBe(0);
    const enc = readFileSync(join(dir, 'e.pdf'));
    expect(await signError(enc)).toBe('ENCRYPTED_PDF');
    expect(await outcome(enc)).toBe('ENCRYPTED_PDF');
  });

  it('refuses a /Prev loop and absurd sizes without hanging', async () => {
    const plain = Buffer.from(await makePdf());
    const xrefAt = Number(/startxref\s+(\d+)/.exec(plain.toString('latin1').slice(-64))![1]);
    const loop = Buffer.concat([
      plain,
      Buffer.from(
        `xref\n0 1\n0000000000 65535 f\r\ntrailer\n<</Size 1/Prev ${plain.length}>>\nstartxref\n${plain.length}\n%%EOF\n`,
      ),
    ]);
    expect(await signError(loop)).toBe('XREF_BROKEN');
    expect(await reconstructed(loop)).toBe(true);
    const huge = Buffer.concat([
      plain,
      Buffer.from(
        `xref\n0 99999999\n0000000000 65535 f\r\ntrailer\n<</Size 5/Prev ${xrefAt}>>\nstartxref\n${plain.length}\n%%EOF\n`,
      ),
    ]);
    expect(['XREF_BROKEN', 'LIMIT_EXCEEDED']).toContain(await outcome(huge));
  });

  it('refuses a ByteRange that lies: not from 0, gap, overlap, not to the end of a revision', async () => {
    const br = byteRangeText(two, 1);
    const [a, b, c, d] = br.slice(11, -1).trim().split(/\s+/).map(Number) as [number, number, number, number];
    const variants = [
      `[${a + 1} ${b - 1} ${c} ${d}`,
      `[${a} ${b - 10} ${c} ${d}`,
      `[${a} ${b + 10} ${c} ${d}`,
      `[${a} ${b} ${c} ${d + 100}`,
    ];
    for (const v of variants) {
      const lie = patch(two, br, `/ByteRange${v.padEnd(br.length - 11, ' ')}]`);
      const r = await verifyPdf(lie, opts());
      // The bytes named are verified (HASH_FAILURE here) and a coverage anomaly is a forbidden change; a ByteRange
      // beyond the file is malformed (FORMAT_FAILURE). Refused in every case.
      expect(r.signatures[1]!.indication).toBe('TOTAL_FAILED');
    }
    const shorter = patch(two, br, `/ByteRange${`[${a} ${b} ${c} ${d - 7}`.padEnd(br.length - 11, ' ')}]`);
    const r = await verifyPdf(shorter, opts());
    expect(r.signatures[1]!.valid).toBe(false);
  });

  it('gives FORMAT_FAILURE when /Contents is not CMS, and SIG_CRYPTO_FAILURE for a CMS naming the wrong certificate', async () => {
    const br = byteRangeText(one, 0);
    const b = Number(br.slice(11, -1).trim().split(/\s+/)[1]);
    const notCms = Buffer.from(one);
    notCms.write('3003020101', b + 1, 'latin1');
    expect((await verifyPdf(notCms, opts())).signatures[0]!.subIndication).toBe('FORMAT_FAILURE');

    const p = await prepareSignature(await makePdf(), {
      certificateChain: [pki.personal.certificate, pki.issuing.certificate],
      signingTime: PERSONAL_TIME,
      contentsMargin: 1024,
    });
    const org = parseCertificate(pki.organisation.certificate);
    const attrs = buildSignedAttributes(Buffer.from(p.state.messageDigest, 'base64'), org);
    const cms = buildSignedData({
      signedAttributes: attrs,
      signature: await pki.personal.signer.sign(attrs, { hash: 'SHA-256' }),
      scheme: p.state.scheme,
      signer: org,
      certificates: [pki.organisation.certificate, pki.issuing.certificate],
    });
    const forged = Buffer.from(p.prepared!);
    forged.write(cms.toString('hex'), p.state.byteRange[1] + 1, 'latin1');
    const r = await verifyPdf(forged, opts());
    expect(r.signatures[0]!.subIndication).toBe('SIG_CRYPTO_FAILURE');
  });

  it('never crashes or hangs on thousands of mutated signed PDFs', async () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const tail = two.length - Math.min(two.length, 6000);
    const seen = new Map<string, number>();
    const start = Date.now();
    let slowest = 0;
    const fastOpts = {
      ...opts(),
      validatePath: async () => ({ valid: true, code: 'VALID' as const, message: '', path: [] }),
    };
    for (let i = 0; i < 3000; i++) {
      const m = Buffer.from(two);
      const kind = rnd(5);
      // Mostly the structural tail (xref, trailer, signature dictionaries), sometimes anywhere.
      const pos = () => (rnd(4) === 0 ? rnd(m.length) : tail + rnd(m.length - tail));
      let input: Buffer = m;
      if (kind === 0) for (let k = 0, n = 1 + rnd(4); k < n; k++) m[pos()] = rnd(256);
      else if (kind === 1) m[pos()] = '0123456789 <>[]/()RobjendxrefstartxrefPrev'.charCodeAt(rnd(40));
      else if (kind === 2) input = m.subarray(0, pos());
      else if (kind === 3) {
        const p = pos();
        input = Buffer.concat([m.subarray(0, p), m.subarray(p + 1 + rnd(64))]);
      } else {
        const p = pos();
        input = Buffer.concat([m.subarray(0, p), Buffer.from(String(rnd(1e9))), m.subarray(p)]);
      }
      const t0 = Date.now();
      let result: string;
      try {
        const r = await verifyPdf(input, fastOpts);
        expect(['TOTAL_PASSED', 'TOTAL_FAILED', 'INDETERMINATE']).toContain(r.indication);
        result = r.indication;
      } catch (err) {
        if (!isPdfError(err) || !codes.has(err.code)) throw err;
        result = err.code;
      }
      slowest = Math.max(slowest, Date.now() - t0);
      seen.set(result, (seen.get(result) ?? 0) + 1);
    }
    expect(Date.now() - start).toBeLessThan(60_000);
    expect(slowest).toBeLessThan(2_000);
    expect(seen.size).toBeGreaterThan(2);
  });
});
