import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { PdfError } from '../errors';
import { type PdfDict, PdfString, numberOf } from '../objects';
import { rc4 } from './rc4';

/** Padding string of algorithm 2 (ISO 32000-1 7.6.3.3), also the padded empty password. */
const PAD = Buffer.from('28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a', 'hex');

function bytesOf(dict: PdfDict, key: string): Buffer {
  const v = dict.get(key);
  if (!(v instanceof PdfString)) throw new PdfError('MALFORMED_PDF', `/Encrypt has no /${key} string`);
  return Buffer.from(v.bytes);
}

function md5(...parts: Uint8Array[]): Buffer {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
}

function wrongPassword(): never {
  throw new PdfError(
    'ENCRYPTED_PDF',
    'the document is encrypted with a user password (opening it needs a password); only documents that open without one can be verified',
  );
}

/**
 * File key of revisions 2 to 4 for the empty user password (algorithm 2), checked against /U (algorithms 4, 5 and 6).
 * Throws ENCRYPTED_PDF when the empty password is not the user password.
 */
export function rc4FileKey(enc: PdfDict, r: number, keyBytes: number, id0: Uint8Array): Buffer {
  const o = bytesOf(enc, 'O').subarray(0, 32);
  const u = bytesOf(enc, 'U');
  const p = Buffer.alloc(4);
  p.writeInt32LE((numberOf(enc.get('P')) ?? 0) | 0);
  const noMetadata = r >= 4 && enc.get('EncryptMetadata') === false;
  let key = md5(PAD, o, p, id0, noMetadata ? Buffer.from([255, 255, 255, 255]) : Buffer.alloc(0));
  const n = r === 2 ? 5 : keyBytes;
  if (r >= 3) for (let i = 0; i < 50; i++) key = md5(key.subarray(0, n));
  key = key.subarray(0, n);
  if (r === 2) {
    if (!Buffer.from(rc4(key, PAD)).equals(u.subarray(0, 32))) wrongPassword();
    return key;
  }
  let x: Uint8Array = md5(PAD, id0);
  for (let i = 0; i < 20; i++) x = rc4(i === 0 ? key : key.map((b) => b ^ i), x);
  if (!Buffer.from(x).equals(u.subarray(0, 16))) wrongPassword();
  return key;
}

/** Hash of revision 6 (ISO 32000-2 algorithm 2.B); revision 5 uses plain SHA-256. */
function hash2B(pw: Uint8Array, salt: Uint8Array, udata: Uint8Array, r: number): Buffer {
  let k = createHash('sha256').update(pw).update(salt).update(udata).digest();
  if (r === 5) return k;
  let e = Buffer.alloc(0);
  for (let i = 0; i < 64 || e[e.length - 1]! > i - 32; i++) {
    const k1 = Buffer.concat([pw, k, udata]);
    const c = createCipheriv('aes-128-cbc', k.subarray(0, 16), k.subarray(16, 32)).setAutoPadding(false);
    e = Buffer.concat([c.update(Buffer.concat(Array<Buffer>(64).fill(k1))), c.final()]);
    // The first 16 bytes of E taken as a big-endian number modulo 3 equal the sum of the bytes modulo 3.
    let sum = 0;
    for (let b = 0; b < 16; b++) sum += e[b]!;
    k = createHash(['sha256', 'sha384', 'sha512'][sum % 3]!)
      .update(e)
      .digest();
  }
  return k.subarray(0, 32);
}

/** File key of revisions 5 and 6 (AES-256) for the empty user password (ISO 32000-2 algorithms 2.A, 11). */
export function aes256FileKey(enc: PdfDict, r: number): Buffer {
  const u = bytesOf(enc, 'U');
  const ue = bytesOf(enc, 'UE');
  if (u.length < 48 || ue.length < 32) throw new PdfError('MALFORMED_PDF', '/Encrypt /U or /UE too short');
  const pw = Buffer.alloc(0);
  if (!hash2B(pw, u.subarray(32, 40), pw, r).equals(u.subarray(0, 32))) wrongPassword();
  const ik = hash2B(pw, u.subarray(40, 48), pw, r);
  const d = createDecipheriv('aes-256-cbc', ik, Buffer.alloc(16)).setAutoPadding(false);
  return Buffer.concat([d.update(ue.subarray(0, 32)), d.final()]);
}
