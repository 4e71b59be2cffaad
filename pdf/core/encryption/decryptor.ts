import { createDecipheriv, createHash } from 'node:crypto';
import { PdfError } from '../errors';
import { PdfDict, PdfName, PdfStream, PdfString, type PdfValue, isDict, nameOf, numberOf } from '../objects';
import { rc4 } from './rc4';
import { aes256FileKey, rc4FileKey } from './standard';

/** How a crypt filter transforms data (ISO 32000-1 7.6.5, table 25 /CFM; ISO 32000-2 adds AESV3). */
type CryptMethod = 'None' | 'V2' | 'AESV2' | 'AESV3';

/** AES-CBC with the IV in the first 16 bytes (7.6.2); padding removed when well formed, as lenient readers do. */
function aesDecrypt(key: Uint8Array, data: Uint8Array): Uint8Array {
  if (data.length < 32) return new Uint8Array(0);
  // A 40-bit file key with AESV2 gives a 10-byte object key: a broken /Encrypt, not a crash of the cipher.
  if (key.length !== 16 && key.length !== 32)
    throw new PdfError('ENCRYPTED_PDF', `AES key of ${key.length} bytes from the encryption dictionary`);
  const body = data.subarray(16, 16 + Math.floor((data.length - 16) / 16) * 16);
  const alg = key.length === 32 ? 'aes-256-cbc' : 'aes-128-cbc';
  const d = createDecipheriv(alg, key, data.subarray(0, 16)).setAutoPadding(false);
  const out = Buffer.concat([d.update(body), d.final()]);
  const pad = out[out.length - 1]!;
  const padded = pad >= 1 && pad <= 16 && out.subarray(out.length - pad).every((b) => b === pad);
  return padded ? out.subarray(0, out.length - pad) : out;
}

function cryptMethod(enc: PdfDict, name: string | undefined): CryptMethod {
  if (name === undefined || name === 'Identity') return 'None';
  const cf = enc.get('CF');
  const filter = isDict(cf) ? cf.get(name) : undefined;
  const cfm = isDict(filter) ? (nameOf(filter.get('CFM')) ?? 'None') : undefined;
  if (cfm === 'None' || cfm === 'V2' || cfm === 'AESV2' || cfm === 'AESV3') return cfm;
  throw new PdfError('ENCRYPTED_PDF', `crypt filter ${name} (${String(cfm)}) is not supported`);
}

/** A signature dictionary, whose /Contents is never encrypted (ISO 32000-1 7.6.1). */
function isSignatureDict(d: PdfDict): boolean {
  const type = nameOf(d.get('Type'));
  return type === 'Sig' || type === 'DocTimeStamp' || Array.isArray(d.get('ByteRange'));
}

/**
 * Decrypts the strings and streams of a document protected by the standard security handler (ISO 32000-1 7.6.3,
 * ISO 32000-2 7.6.4) that opens with the empty user password: what permission-protected files from Acrobat use.
 */
export class Decryptor {
  private constructor(
    private readonly fileKey: Uint8Array,
    private readonly enc: PdfDict,
    private readonly strings: CryptMethod,
    private readonly streams: CryptMethod,
  ) {}

  /** Throws ENCRYPTED_PDF for other handlers, unknown versions and documents that need a user password. */
  static open(enc: PdfDict, id0: Uint8Array): Decryptor {
    const filter = nameOf(enc.get('Filter'));
    if (filter !== 'Standard')
      throw new PdfError('ENCRYPTED_PDF', `security handler ${String(filter)} is not supported`);
    const v = numberOf(enc.get('V')) ?? 0;
    const r = numberOf(enc.get('R')) ?? 0;
    if ((v === 1 || v === 2) && (r === 2 || r === 3)) {
      const bits = v === 1 ? 40 : (numberOf(enc.get('Length')) ?? 40);
      return new Decryptor(rc4FileKey(enc, r, keyBytes(bits), id0), enc, 'V2', 'V2');
    }
    if (v === 4 && r === 4) {
      const strF = cryptMethod(enc, nameOf(enc.get('StrF')));
      const stmF = cryptMethod(enc, nameOf(enc.get('StmF')));
      return new Decryptor(rc4FileKey(enc, r, v4KeyBytes(enc), id0), enc, strF, stmF);
    }
    if (v === 5 && (r === 5 || r === 6)) {
      const strF = cryptMethod(enc, nameOf(enc.get('StrF')));
      const stmF = cryptMethod(enc, nameOf(enc.get('StmF')));
      return new Decryptor(aes256FileKey(enc, r), enc, strF, stmF);
    }
    throw new PdfError('ENCRYPTED_PDF', `standard security handler V ${v} R ${r} is not supported`);
  }

  /** Key of one object (algorithm 1; AESV3 uses the file key as it is). */
  private objectKey(method: CryptMethod, num: number, gen: number): Uint8Array {
    if (method === 'AESV3') return this.fileKey;
    const id = Buffer.from([num, num >> 8, num >> 16, gen, gen >> 8].map((b) => b & 0xff));
    const salt = method === 'AESV2' ? Buffer.from('sAlT', 'latin1') : Buffer.alloc(0);
    const h = createHash('md5').update(this.fileKey).update(id).update(salt).digest();
    return h.subarray(0, Math.min(this.fileKey.length + 5, 16));
  }

  private apply(method: CryptMethod, data: Uint8Array, num: number, gen: number): Uint8Array {
    if (method === 'None') return data;
    const key = this.objectKey(method, num, gen);
    return method === 'V2' ? rc4(key, data) : aesDecrypt(key, data);
  }

  /** Decrypts, in place, the strings of an object read from the file (not those of an object stream's members). */
  decryptValue(value: PdfValue, num: number, gen: number): PdfValue {
    const walk = (v: PdfValue, depth: number): PdfValue => {
      if (depth > 64) return v;
      if (v instanceof PdfString)
        return new PdfString(this.apply(this.strings, v.bytes, num, gen), v.hex, v.span);
      if (Array.isArray(v)) v.forEach((x, i) => (v[i] = walk(x, depth + 1)));
      else if (v instanceof PdfStream) walk(v.dict, depth);
      else if (v instanceof PdfDict) {
        const sig = isSignatureDict(v);
        for (const [k, x] of v.map) if (!(sig && k === 'Contents')) v.map.set(k, walk(x, depth + 1));
      }
      return v;
    };
    return walk(value, 0);
  }

  /** Decrypts a stream's raw data; cross-reference streams and /Identity crypt-filter streams are not encrypted. */
  decryptStream(dict: PdfDict, data: Uint8Array, num: number, gen: number): Uint8Array {
    const type = nameOf(dict.get('Type'));
    if (type === 'XRef') return data;
    if (type === 'Metadata' && this.enc.get('EncryptMetadata') === false) return data;
    return this.apply(this.streamMethod(dict), data, num, gen);
  }

  /** A stream whose first filter is /Crypt names its own crypt filter (7.4.10), /Identity by default. */
  private streamMethod(dict: PdfDict): CryptMethod {
    const f = dict.get('Filter');
    const first = Array.isArray(f) ? f[0] : f;
    if (!(first instanceof PdfName) || first.name !== 'Crypt') return this.streams;
    const p = dict.get('DecodeParms');
    const parms = Array.isArray(p) ? p[0] : p;
    return cryptMethod(this.enc, isDict(parms) ? nameOf(parms.get('Name')) : undefined);
  }
}

function keyBytes(bits: number): number {
  const n = bits < 40 ? bits : bits / 8; // some writers give the length in bytes
  return Math.max(5, Math.min(16, Math.floor(n)));
}

/** Key length of V 4: /Length of the encryption dictionary, else that of the stream crypt filter, else 128 bits. */
function v4KeyBytes(enc: PdfDict): number {
  const cf = enc.get('CF');
  const stmF = nameOf(enc.get('StmF'));
  const filter = isDict(cf) && stmF !== undefined ? cf.get(stmF) : undefined;
  const bits = numberOf(enc.get('Length')) ?? (isDict(filter) ? numberOf(filter.get('Length')) : undefined);
  return keyBytes(bits ?? 128);
}
