import { spawnSync } from 'node:child_process';
import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type VerifyPdfOptions, verifyPdf } from '../../../pdf';
import { parseCertificate } from '../../../pdf/cms/certificate';
import { ctx, int, octets, oid, seq, tlv } from '../../../pdf/cms/der';
import { OID } from '../../../pdf/cms/oids';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  attribute,
  digest,
  digestAlgId,
  makeCertificate,
  name,
  pdfWithCms,
  schemes,
  signedData,
  signerInfo,
  standardAttributes,
} from './support/cms-builder';
import { makePdf } from './support/corpus';
import { tempDir, toPem } from './support/tools';
import { AT, trustAll } from './support/trust-all';

jest.setTimeout(120_000);

// Path validation is pki/'s concern and tested there: trust every path so the verdicts here are the tokens' own.
const verify = (pdf: Uint8Array, extra: Partial<VerifyPdfOptions> = {}) =>
  verifyPdf(pdf, { anchors: [], at: AT, revocation: 'none', validatePath: trustAll, ...extra });

const root = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ROOT_NAME = name('Test Root CA');
const tsaKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tsaCert = (critical: boolean) =>
  makeCertificate({
    subject: name('Test TSA'),
    issuer: ROOT_NAME,
    publicKey: tsaKeys.publicKey,
    issuerKey: root.privateKey,
    serial: 50,
    eku: { purposes: [OID.kpTimeStamping], critical },
    notBefore: new Date('2005-01-01T00:00:00Z'),
  });
const TSA = tsaCert(true);
const signerKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const SIGNER = makeCertificate({
  subject: name('Signer'),
  issuer: ROOT_NAME,
  publicKey: signerKeys.publicKey,
  issuerKey: root.privateKey,
  serial: 51,
  notBefore: new Date('2005-01-01T00:00:00Z'),
});

let pki: TestPki;
let base: Uint8Array;
let dir: string;

beforeAll(async () => {
  pki = await createTestPki();
  base = await makePdf();
  dir = tempDir();
  writeFileSync(join(dir, 'tsa.pem'), toPem(TSA));
  writeFileSync(join(dir, 'tsa.key'), tsaKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'serial'), '01\n');
  writeFileSync(
    join(dir, 'ts.cnf'),
    [
      '[ tsa ]',
      'default_tsa = tsa1',
      '[ tsa1 ]',
      `serial = ${join(dir, 'serial')}`,
      'crypto_device = builtin',
      'default_policy = 1.2.3.4.1',
      'digests = sha256, sha384, sha512',
      'signer_digest = sha256',
      'accuracy = secs:1',
      'ordering = no',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
});

/** An RFC 3161 token over `data` from `openssl ts -reply`, the OpenSSL TSA implementation. */
function opensslToken(data: Uint8Array): Buffer {
  const f = (n: string) => join(dir, n);
  writeFileSync(f('data.bin'), data);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args);
    if (r.status !== 0) throw new Error(`openssl ${args[0]} ${args[1]}: ${r.stderr.toString()}`);
  };
  run(['ts', '-query', '-data', f('data.bin'), '-sha256', '-cert', '-no_nonce', '-out', f('q.tsq')]);
  run([
    'ts',
    '-reply',
    '-config',
    f('ts.cnf'),
    '-queryfile',
    f('q.tsq'),
    '-signer',
    f('tsa.pem'),
    '-inkey',
    f('tsa.key'),
    '-token_out',
    '-out',
    f('token.der'),
  ]);
  return readFileSync(f('token.der'));
}

const generalizedTime = (d: Date) =>
  tlv(0x18, Buffer.from(`${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`, 'latin1'));

/** A token built here: TSTInfo (RFC 3161 2.4.2) signed by `cert`, with a fixed genTime. */
function ownToken(data: Uint8Array, genTime: Date, cert = TSA, key: KeyObject = tsaKeys.privateKey): Buffer {
  const tst = seq(
    int(1),
    oid('1.2.3.4.1'),
    seq(digestAlgId('SHA-256'), octets(digest('SHA-256', data))),
    int(77),
    generalizedTime(genTime),
    ctx(0, ctx(4, name('Test TSA'))),
  );
  return signedData({
    certificates: [cert],
    digestAlgorithms: ['SHA-256'],
    encapsulated: { type: OID.tstInfo, content: tst },
    signerInfos: [
      signerInfo({
        cert,
        key,
        content: tst,
        digestAlgorithm: 'SHA-256',
        scheme: schemes.rsa('SHA-256'),
        signedAttributes: standardAttributes(tst, 'SHA-256', cert, OID.tstInfo),
      }),
    ],
  });
}

/** A PDF signed by SIGNER whose SignerInfo carries the time-stamp `token(signatureValue)`. */
function signedWithTimestamp(token: (signature: Buffer) => Buffer, hash: 'SHA-256' | 'SHA-1' = 'SHA-256') {
  return signedWithTimestampAttrs((sig) => [attribute(OID.signatureTimeStampToken, token(sig))], hash);
}

/** A PDF signed by SIGNER with the unsigned attributes `unsigned(signatureValue)`. */
function signedWithTimestampAttrs(
  unsigned: (signature: Buffer) => Buffer[],
  hash: 'SHA-256' | 'SHA-1' = 'SHA-256',
) {
  return pdfWithCms(pki, base, (content) =>
    signedData({
      certificates: [SIGNER],
      digestAlgorithms: [hash],
      signerInfos: [
        signerInfo({
          cert: SIGNER,
          key: signerKeys.privateKey,
          content,
          digestAlgorithm: hash,
          scheme: schemes.rsa(hash),
          unsigned,
        }),
      ],
    }),
  );
}

describe('document time-stamps (ETSI.RFC3161)', () => {
  it('verifies a document time-stamp made by openssl ts -reply and reports genTime and the TSA', async () => {
    const pdf = await pdfWithCms(pki, base, opensslToken, { subFilter: 'ETSI.RFC3161', fieldName: 'ts1' });
    const r = await verify(pdf);
    expect(r.signatures).toEqual([]);
    expect(r.documentTimestamps).toEqual(['ts1']);
    expect(r.timestamps).toHaveLength(1);
    const t = r.timestamps[0]!;
    expect(t).toMatchObject({
      fieldNames: ['ts1'],
      indication: 'TOTAL_PASSED',
      imprintMatches: true,
      imprintAlgorithm: 'SHA-256',
      policy: '1.2.3.4.1',
      coversWholeDocument: true,
    });
    expect(t.tsa).toContain('CN=Test TSA');
    expect(Number.isNaN(Date.parse(t.genTime!))).toBe(false);
  });

  it('reports a document time-stamp whose imprint is over other bytes as HASH_FAILURE', async () => {
    const pdf = await pdfWithCms(pki, base, () => opensslToken(Buffer.from('another document')), {
      subFilter: 'ETSI.RFC3161',
    });
    const t = (await verify(pdf)).timestamps[0]!;
    expect(t).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'HASH_FAILURE',
      imprintMatches: false,
    });
  });

  it('reports the fixed genTime and TSA name of a token built here', async () => {
    const genTime = new Date('2026-02-10T03:31:00Z');
    const pdf = await pdfWithCms(pki, base, (c) => ownToken(c, genTime), { subFilter: 'ETSI.RFC3161' });
    const t = (await verify(pdf)).timestamps[0]!;
    expect(t).toMatchObject({
      indication: 'TOTAL_PASSED',
      genTime: '2026-02-10T03:31:00.000Z',
      serial: '4d',
      tsaName: expect.stringContaining('CN=Test TSA'),
    });
  });

  it('refuses a TSA certificate whose extKeyUsage timeStamping is not critical (RFC 3161 2.3)', async () => {
    const pdf = await pdfWithCms(
      pki,
      base,
      (c) => ownToken(c, new Date('2026-02-10T03:31:00Z'), tsaCert(false)),
      { subFilter: 'ETSI.RFC3161' },
    );
    const t = (await verify(pdf)).timestamps[0]!;
    expect(t).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' });
  });

  it('fails a time-stamp token whose TSA signature is broken', async () => {
    const pdf = await pdfWithCms(
      pki,
      base,
      (c) => {
        const token = ownToken(c, new Date('2026-02-10T03:31:00Z'));
        token[token.length - 10]! ^= 1; // inside the TSA's signature value, the last field of the token
        return token;
      },
      { subFilter: 'ETSI.RFC3161' },
    );
    const t = (await verify(pdf)).timestamps[0]!;
    expect(t).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' });
  });
});

describe('signature time-stamps (id-aa-signatureTimeStampToken)', () => {
  it('verifies a signature time-stamp from openssl ts -reply over the signature value', async () => {
    const r = await verify(await signedWithTimestamp(opensslToken));
    const s = r.signatures[0]!;
    expect(s.indication).toBe('TOTAL_PASSED');
    expect(s.signerInfos[0]!.signatureTimestamps).toEqual([
      expect.objectContaining({ indication: 'TOTAL_PASSED', imprintMatches: true }),
    ]);
  });

  it('reports a time-stamp copied from another signature as a mismatch', async () => {
    const copied = opensslToken(Buffer.from('the signature value of some other signature'));
    const s = (await verify(await signedWithTimestamp(() => copied))).signatures[0]!;
    const t = s.signerInfos[0]!.signatureTimestamps[0]!;
    expect(t).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'HASH_FAILURE',
      imprintMatches: false,
    });
    expect(t.messages[0]).toMatch(/copied or mismatched/);
    // The signature itself is intact: a bad unsigned time-stamp proves nothing either way, and is said so.
    expect(s.indication).toBe('TOTAL_PASSED');
    expect(s.messages.join()).toMatch(/signature time-stamp TOTAL_FAILED/);
  });

  it('accepts SHA-1 when a verified time-stamp proves the signature existed before SHA-1 was retired', async () => {
    const early = await signedWithTimestamp(
      (sig) => ownToken(sig, new Date('2009-06-01T00:00:00Z')),
      'SHA-1',
    );
    expect((await verify(early)).signatures[0]!.indication).toBe('TOTAL_PASSED');
    const late = await signedWithTimestamp((sig) => ownToken(sig, new Date('2026-02-10T00:00:00Z')), 'SHA-1');
    expect((await verify(late)).signatures[0]!).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
    });
  });
});

describe('a signature time-stamp as proof of existence for the certificate path', () => {
  it('keeps a signature valid when the signer was revoked after a verified time-stamp, and INDETERMINATE without it', async () => {
    const issuing = parseCertificate(pki.issuing.certificate);
    const tsa = makeCertificate({
      subject: name('PKI TSA'),
      issuer: Buffer.from(issuing.subjectRaw),
      publicKey: tsaKeys.publicKey,
      issuerKey: pki.issuing.privateKey,
      serial: 60,
      eku: { purposes: [OID.kpTimeStamping], critical: true },
    });
    const crl = pki.makeCrl({
      thisUpdate: new Date('2026-02-25T00:00:00Z'),
      revoked: [
        { serial: pki.personal.serialHex, date: new Date('2026-02-20T00:00:00Z'), reason: 'keyCompromise' },
      ],
    });
    const signed = (stamp: boolean) =>
      pdfWithCms(pki, base, (content) =>
        signedData({
          certificates: [pki.personal.certificate, pki.issuing.certificate, tsa],
          digestAlgorithms: ['SHA-256'],
          signerInfos: [
            signerInfo({
              cert: pki.personal.certificate,
              key: pki.personal.privateKey,
              content,
              digestAlgorithm: 'SHA-256',
              scheme: schemes.rsa('SHA-256'),
              unsigned: (sig) =>
                stamp
                  ? [
                      attribute(
                        OID.signatureTimeStampToken,
                        ownToken(sig, new Date('2026-02-10T03:31:00Z'), tsa, tsaKeys.privateKey),
                      ),
                    ]
                  : [],
            }),
          ],
        }),
      );
    const opts = { anchors: pki.anchors, intermediates: pki.intermediates, crls: [crl, pki.rootCrl], at: AT };
    const without = (await verifyPdf(await signed(false), opts)).signatures[0]!;
    expect(without).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' });
    const withStamp = (await verifyPdf(await signed(true), opts)).signatures[0]!;
    expect(withStamp.signerInfos[0]!.signatureTimestamps[0]).toMatchObject({ indication: 'TOTAL_PASSED' });
    expect(withStamp).toMatchObject({ indication: 'TOTAL_PASSED' });
    expect(withStamp.messages.join()).toMatch(/before the revocation/);
  });
});

describe('several signature time-stamps', () => {
  it('verifies each signature time-stamp, whether carried as one attribute or as two', async () => {
    const genTime = new Date('2026-02-10T03:31:00Z');
    const asTwo = await signedWithTimestampAttrs((sig) => [
      attribute(OID.signatureTimeStampToken, ownToken(sig, genTime)),
      attribute(OID.signatureTimeStampToken, opensslToken(sig)),
    ]);
    const asOne = await signedWithTimestampAttrs((sig) => [
      attribute(OID.signatureTimeStampToken, ownToken(sig, genTime), opensslToken(sig)),
    ]);
    for (const pdf of [asTwo, asOne]) {
      const s = (await verify(pdf)).signatures[0]!;
      expect(s.indication).toBe('TOTAL_PASSED');
      expect(s.signerInfos[0]!.signatureTimestamps.map((t) => t.indication)).toEqual([
        'TOTAL_PASSED',
        'TOTAL_PASSED',
      ]);
    }
  });
});
