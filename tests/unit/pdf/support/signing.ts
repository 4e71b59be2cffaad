import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type SignPdfOptions, signPdf } from '../../../../pdf';
import type { TestPki } from '../../../helpers/test-pki';
import { blueSignaturePng, redSealPng } from './png';
import { tool } from './tools';

/** Fixed signing times inside the test PKI's validity and CRL windows. */
export const PERSONAL_TIME = new Date('2026-02-10T02:15:00Z');
export const ORGANISATION_TIME = new Date('2026-02-10T03:30:00Z');

/** Decree 30 sequence: the leader's personal signature, then the agency's organisation signature. */
export async function signTwice(
  pki: TestPki,
  input: Uint8Array,
  extra: Partial<SignPdfOptions> = {},
): Promise<{ one: Uint8Array; two: Uint8Array }> {
  const one = await signPdf(input, {
    signer: pki.personal.signer,
    signingTime: PERSONAL_TIME,
    reason: 'Ký ban hành',
    appearance: { kind: 'personal', title: 'CHỦ TỊCH', image: blueSignaturePng() },
    ...extra,
  });
  const two = await signPdf(one, {
    signer: pki.organisation.signer,
    signingTime: ORGANISATION_TIME,
    appearance: { kind: 'organisation', image: redSealPng() },
    ...extra,
  });
  return { one, two };
}

/**
 * Extracts the CMS and the signed bytes of signature `index` (0-based, in file order) and runs
 * `openssl cms -verify -binary -inform DER -content ... -CAfile root -purpose any`.
 */
export async function opensslVerify(
  dir: string,
  pdf: Uint8Array,
  rootPem: string,
  index: number,
): Promise<boolean> {
  const text = Buffer.from(pdf).toString('latin1');
  const re = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
  const ranges = [...text.matchAll(re)].map((m) => m.slice(1, 5).map(Number));
  const [a, b, c, d] = ranges[index]!;
  const content = Buffer.concat([
    Buffer.from(pdf.subarray(a!, a! + b!)),
    Buffer.from(pdf.subarray(c!, c! + d!)),
  ]);
  const hex = text.slice(b! + 1, c! - 1);
  const cms = Buffer.from(hex, 'hex');
  const files = {
    content: join(dir, `c${index}.bin`),
    cms: join(dir, `s${index}.der`),
    root: join(dir, 'root.pem'),
  };
  writeFileSync(files.content, content);
  writeFileSync(files.cms, trimDer(cms));
  writeFileSync(files.root, rootPem);
  const r = tool('openssl', [
    'cms',
    '-verify',
    '-binary',
    '-inform',
    'DER',
    '-in',
    files.cms,
    '-content',
    files.content,
    '-CAfile',
    files.root,
    '-purpose',
    'any',
    '-out',
    '/dev/null',
  ]);
  const ok = r.status === 0 && /Verification successful/.test(r.stderr);
  if (!ok) process.stderr.write(`openssl cms -verify: ${r.stderr}\n`);
  return ok;
}

/** Drops the zero padding after a DER value. */
export function trimDer(b: Buffer): Buffer {
  let len = b[1]!;
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[2 + i]!;
    hdr += n;
  }
  return b.subarray(0, hdr + len);
}
