import { spawnSync } from 'node:child_process';
import {
  type KeyObject,
  constants,
  createHash,
  generateKeyPairSync,
  privateEncrypt,
  sign,
} from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type PdfVerificationReport, type VerifyPdfOptions, verifyPdf } from '../../../pdf';
import { ctx, int, nul, octets, oid, seq } from '../../../pdf/cms/der';
import { OID } from '../../../pdf/cms/oids';
import { DEFAULT_CRYPTO_POLICY } from '../../../pdf/verify/crypto-policy';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import {
  type Hash,
  PRINTABLE,
  type Scheme,
  type SignerInfoOptions,
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

let pki: TestPki;
let base: Uint8Array;
const root = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ROOT_NAME = name('Test Root CA');

interface Signer {
  cert: Buffer;
  key: KeyObject;
}

function signerWith(
  keys: { publicKey: KeyObject; privateKey: KeyObject },
  serial: number,
  extra = {},
): Signer {
  const cert = makeCertificate({
    subject: name(`Signer ${serial}`),
    issuer: ROOT_NAME,
    publicKey: keys.publicKey,
    issuerKey: root.privateKey,
    serial,
    ...extra,
  });
  return { cert, key: keys.privateKey };
}

const rsa2048 = signerWith(generateKeyPairSync('rsa', { modulusLength: 2048 }), 10, {
  ski: Buffer.from('a1b2c3d4e5', 'hex'),
});

beforeAll(async () => {
  pki = await createTestPki();
  base = await makePdf();
});

const verify = (pdf: Uint8Array, extra: Partial<VerifyPdfOptions> = {}) =>
  verifyPdf(pdf, { anchors: [], at: AT, revocation: 'none', validatePath: trustAll, ...extra });

/** A PDF signed by one SignerInfo built from `o` (content filled in from the ByteRange). */
function signedPdf(
  s: Signer,
  o: Partial<Omit<SignerInfoOptions, 'content'>> & { digestAlgorithm: Hash; scheme: Scheme },
  pdfOpts: Parameters<typeof pdfWithCms>[3] = {},
) {
  return pdfWithCms(
    pki,
    base,
    (content) =>
      signedData({
        certificates: [s.cert],
        digestAlgorithms: [o.digestAlgorithm],
        signerInfos: [signerInfo({ cert: s.cert, key: s.key, content, ...o })],
      }),
    pdfOpts,
  );
}

const only = (r: PdfVerificationReport) => {
  expect(r.signatures).toHaveLength(1);
  return r.signatures[0]!;
};

describe('CMS signature algorithms', () => {
  it('verifies Ed25519 and Ed448 signatures', async () => {
    const ed25519 = signerWith(generateKeyPairSync('ed25519'), 20);
    const ed448 = signerWith(generateKeyPairSync('ed448'), 21);
    const a = only(
      await verify(await signedPdf(ed25519, { digestAlgorithm: 'SHA-512', scheme: schemes.ed25519() })),
    );
    expect(a).toMatchObject({ indication: 'TOTAL_PASSED', signatureAlgorithm: 'Ed25519' });
    const b = only(
      await verify(await signedPdf(ed448, { digestAlgorithm: 'SHAKE256', scheme: schemes.ed448() })),
    );
    expect(b).toMatchObject({ indication: 'TOTAL_PASSED', signatureAlgorithm: 'Ed448' });
  });

  it('verifies Ed448 with the SHAKE256 message digest RFC 8419 prescribes', async () => {
    const ed448 = signerWith(generateKeyPairSync('ed448'), 23);
    const r = only(
      await verify(await signedPdf(ed448, { digestAlgorithm: 'SHAKE256', scheme: schemes.ed448() })),
    );
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', digestAlgorithm: 'SHAKE256' });
  });

  it('fails an Ed25519 signature whose value was altered', async () => {
    const ed = signerWith(generateKeyPairSync('ed25519'), 22);
    const broken: Scheme = {
      ...schemes.ed25519(),
      sign: (d, k) => {
        const sig = schemes.ed25519().sign(d, k);
        sig[5]! ^= 1;
        return sig;
      },
    };
    const r = only(await verify(await signedPdf(ed, { digestAlgorithm: 'SHA-512', scheme: broken })));
    expect(r).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' });
  });

  it('is INDETERMINATE, not a forgery, for a signature algorithm it does not implement', async () => {
    const unknown: Scheme = { algId: seq(oid('1.2.643.7.1.1.3.2')), sign: () => Buffer.alloc(64, 7) };
    const r = only(await verify(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-256', scheme: unknown })));
    expect(r).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' });
    expect(r.messages[0]).toMatch(/not supported/);
  });

  it('still reports a changed document as HASH_FAILURE when the signature algorithm is not implemented', async () => {
    const unknown: Scheme = { algId: seq(oid('1.2.643.7.1.1.3.2')), sign: () => Buffer.alloc(64, 7) };
    const bad = Buffer.from(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-256', scheme: unknown }));
    bad[12]! ^= 1;
    expect(only(await verify(bad))).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'HASH_FAILURE',
    });
  });

  it('honours RSASSA-PSS parameters: SHA-384, MGF1 with SHA-256, salt length 20 (signed by openssl pkeyutl)', async () => {
    const dir = tempDir();
    const keyFile = join(dir, 'key.pem');
    writeFileSync(keyFile, rsa2048.key.export({ type: 'pkcs8', format: 'pem' }));
    // node:crypto ties MGF1 to the message hash; openssl signs the SHA-384 digest with MGF1-SHA-256.
    const pss = (declaredSalt: number): Scheme => ({
      algId: seq(
        oid(OID.rsassaPss),
        seq(
          ctx(0, digestAlgId('SHA-384')),
          ctx(1, seq(oid(OID.mgf1), digestAlgId('SHA-256'))),
          ctx(2, int(declaredSalt)),
        ),
      ),
      sign: (d) => {
        const r = spawnSync(
          'openssl',
          [
            'pkeyutl',
            '-sign',
            '-inkey',
            keyFile,
            '-pkeyopt',
            'digest:sha384',
            '-pkeyopt',
            'rsa_padding_mode:pss',
            '-pkeyopt',
            'rsa_mgf1_md:sha256',
            '-pkeyopt',
            'rsa_pss_saltlen:20',
          ],
          { input: createHash('sha384').update(d).digest() },
        );
        if (r.status !== 0) throw new Error(`openssl pkeyutl: ${r.stderr.toString()}`);
        return r.stdout;
      },
    });
    const good = only(
      await verify(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-256', scheme: pss(20) })),
    );
    expect(good).toMatchObject({
      indication: 'TOTAL_PASSED',
      signatureAlgorithm: 'RSASSA-PSS (SHA-384, MGF1 SHA-256, salt 20)',
    });
    const wrongSalt = only(
      await verify(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-256', scheme: pss(32) })),
    );
    expect(wrongSalt).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'SIG_CRYPTO_FAILURE' });
  });

  it('reads the RFC 4055 defaults (SHA-1, MGF1 SHA-1, salt 20) when RSASSA-PSS parameters are empty', async () => {
    const pssDefault: Scheme = {
      algId: seq(oid(OID.rsassaPss), seq()),
      sign: (d, key) => sign('sha1', d, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }),
    };
    const r = only(
      await verify(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-256', scheme: pssDefault })),
    );
    expect(r.signatureAlgorithm).toBe('RSASSA-PSS (SHA-1, MGF1 SHA-1, salt 20)');
    // Intact, but SHA-1 is past its policy date: a crypto-constraints refusal, not a broken signature.
    expect(r).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
    });
  });
  it('is INDETERMINATE for RSASSA-PSS with a hash it does not implement (SHA-224), not a malformed structure', async () => {
    const pss224: Scheme = {
      algId: seq(oid(OID.rsassaPss), seq(ctx(0, seq(oid(OID.sha224))))),
      sign: (d, key) => sign('sha224', d, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }),
    };
    const r = only(await verify(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-256', scheme: pss224 })));
    expect(r).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' });
  });
});

describe('digests and the crypto policy', () => {
  it('computes the message digest with the SignerInfo digestAlgorithm (SHA-384 under sha256WithRSAEncryption)', async () => {
    const r = only(
      await verify(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-384', scheme: schemes.rsa('SHA-256') })),
    );
    expect(r).toMatchObject({
      indication: 'TOTAL_PASSED',
      digestAlgorithm: 'SHA-384',
      signatureAlgorithm: 'SHA-256 with RSA',
    });
  });

  it('reports HASH_FAILURE when the message-digest was made with another algorithm than digestAlgorithm names', async () => {
    const pdf = await pdfWithCms(pki, base, (content) =>
      signedData({
        certificates: [rsa2048.cert],
        digestAlgorithms: ['SHA-384'],
        signerInfos: [
          signerInfo({
            cert: rsa2048.cert,
            key: rsa2048.key,
            content,
            digestAlgorithm: 'SHA-384',
            scheme: schemes.rsa('SHA-256'),
            signedAttributes: standardAttributes(content, 'SHA-256', rsa2048.cert),
          }),
        ],
      }),
    );
    expect(only(await verify(pdf))).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'HASH_FAILURE',
    });
  });

  it('refuses SHA-1 and RSA-1024 as crypto constraints (INDETERMINATE), not as broken signatures', async () => {
    const sha1 = only(
      await verify(await signedPdf(rsa2048, { digestAlgorithm: 'SHA-1', scheme: schemes.rsa('SHA-1') })),
    );
    expect(sha1).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
    });
    const small = signerWith(generateKeyPairSync('rsa', { modulusLength: 1024 }), 30);
    const rsa1024 = only(
      await verify(await signedPdf(small, { digestAlgorithm: 'SHA-256', scheme: schemes.rsa('SHA-256') })),
    );
    expect(rsa1024).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
    });
    expect(rsa1024.messages.join()).toMatch(/RSA key of 1024 bits/);
  });

  it('refuses a digest the configured policy leaves out with CRYPTO_CONSTRAINTS_FAILURE', async () => {
    const pdf = await signedPdf(rsa2048, { digestAlgorithm: 'SHA-384', scheme: schemes.rsa('SHA-384') });
    const policy = { ...DEFAULT_CRYPTO_POLICY, digestAlgorithms: { 'SHA-256': {} } };
    const r = only(await verify(pdf, { cryptoPolicy: policy }));
    expect(r).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE' });
    expect(only(await verify(pdf)).indication).toBe('TOTAL_PASSED');
  });
});

describe('finding the signer certificate', () => {
  it('matches an issuer written as PrintableString, in other case and spacing, to the UTF8String issuer (RFC 5280 7.1)', async () => {
    const issuer = name('test   ROOT ca', 'TEST org', PRINTABLE);
    const r = only(
      await verify(
        await signedPdf(rsa2048, {
          digestAlgorithm: 'SHA-256',
          scheme: schemes.rsa('SHA-256'),
          sid: { issuer },
        }),
      ),
    );
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', signer: expect.stringContaining('Signer 10') });
  });

  it('finds the certificate by subjectKeyIdentifier', async () => {
    const r = only(
      await verify(
        await signedPdf(rsa2048, {
          digestAlgorithm: 'SHA-256',
          scheme: schemes.rsa('SHA-256'),
          sid: { ski: Buffer.from('a1b2c3d4e5', 'hex') },
        }),
      ),
    );
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', serial: '0a' });
  });

  it('does not take a certificate from another issuer or with another serial', async () => {
    for (const sid of [{ issuer: name('Other CA') }, { serial: 11 }, { ski: Buffer.from('ffff', 'hex') }]) {
      const r = only(
        await verify(
          await signedPdf(rsa2048, { digestAlgorithm: 'SHA-256', scheme: schemes.rsa('SHA-256'), sid }),
        ),
      );
      expect(r).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_SIGNING_CERTIFICATE_FOUND' });
    }
  });
});

describe('CMS structure', () => {
  it('verifies adbe.pkcs7.detached without signed attributes, and reports a changed byte as HASH_FAILURE', async () => {
    const pdf = await signedPdf(
      rsa2048,
      { digestAlgorithm: 'SHA-256', scheme: schemes.rsa('SHA-256'), signedAttributes: false },
      { subFilter: 'adbe.pkcs7.detached' },
    );
    const r = only(await verify(pdf));
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', subFilter: 'adbe.pkcs7.detached' });
    expect(r.signerInfos[0]!.signedAttributes).toBe(false);
    const bad = Buffer.from(pdf);
    bad[12]! ^= 1;
    expect(only(await verify(bad))).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'HASH_FAILURE',
    });
  });

  it('refuses an RSA signature without signed attributes whose DigestInfo is followed by other bytes', async () => {
    // A lenient DigestInfo parser accepts this; with a small public exponent it is the classic forgery shape.
    const trailing: Scheme = {
      algId: seq(oid(OID.sha256WithRSA), nul()),
      sign: (d, key) =>
        privateEncrypt(
          { key, padding: constants.RSA_PKCS1_PADDING },
          Buffer.concat([seq(digestAlgId('SHA-256'), octets(digest('SHA-256', d))), Buffer.from('junk')]),
        ),
    };
    const pdf = await signedPdf(
      rsa2048,
      { digestAlgorithm: 'SHA-256', scheme: trailing, signedAttributes: false },
      { subFilter: 'adbe.pkcs7.detached' },
    );
    expect(only(await verify(pdf))).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'SIG_CRYPTO_FAILURE',
    });
  });

  it('verifies adbe.pkcs7.sha1 (encapsulated SHA-1 digest): intact but refused by policy, or HASH_FAILURE when changed', async () => {
    const pdf = await pdfWithCms(
      pki,
      base,
      (content) => {
        const encapsulated = digest('SHA-1', content);
        return signedData({
          certificates: [rsa2048.cert],
          digestAlgorithms: ['SHA-1'],
          encapsulated: { type: OID.data, content: encapsulated },
          signerInfos: [
            signerInfo({
              cert: rsa2048.cert,
              key: rsa2048.key,
              content: encapsulated,
              digestAlgorithm: 'SHA-1',
              scheme: schemes.rsa('SHA-1'),
            }),
          ],
        });
      },
      { subFilter: 'adbe.pkcs7.sha1' },
    );
    expect(only(await verify(pdf))).toMatchObject({
      indication: 'INDETERMINATE',
      subIndication: 'CRYPTO_CONSTRAINTS_FAILURE_NO_POE',
    });
    const bad = Buffer.from(pdf);
    bad[12]! ^= 1;
    expect(only(await verify(bad))).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'HASH_FAILURE',
    });
  });

  it('verifies an ECDSA signature without signed attributes over the streamed content', async () => {
    const ec = signerWith(generateKeyPairSync('ec', { namedCurve: 'P-384' }), 40);
    const pdf = await signedPdf(
      ec,
      { digestAlgorithm: 'SHA-384', scheme: schemes.ecdsa('SHA-384'), signedAttributes: false },
      { subFilter: 'adbe.pkcs7.detached' },
    );
    expect(only(await verify(pdf)).indication).toBe('TOTAL_PASSED');
  });

  it('requires signed attributes under ETSI.CAdES.detached', async () => {
    const pdf = await signedPdf(rsa2048, {
      digestAlgorithm: 'SHA-256',
      scheme: schemes.rsa('SHA-256'),
      signedAttributes: false,
    });
    expect(only(await verify(pdf))).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'FORMAT_FAILURE',
    });
  });

  it('verifies the signed attributes as received, in non-DER order', async () => {
    const pdf = await pdfWithCms(pki, base, (content) => {
      const attrs = standardAttributes(content, 'SHA-256', rsa2048.cert);
      // Reversed: not the DER SET OF order. Re-encoding before verifying would break this signature.
      const reversed = [...attrs].reverse();
      return signedData({
        certificates: [rsa2048.cert],
        digestAlgorithms: ['SHA-256'],
        signerInfos: [
          signerInfo({
            cert: rsa2048.cert,
            key: rsa2048.key,
            content,
            digestAlgorithm: 'SHA-256',
            scheme: schemes.rsa('SHA-256'),
            signedAttributes: reversed,
          }),
        ],
      });
    });
    expect(only(await verify(pdf)).indication).toBe('TOTAL_PASSED');
  });

  it('verifies and reports each of several SignerInfos; one broken fails the signature', async () => {
    const ec = signerWith(generateKeyPairSync('ec', { namedCurve: 'P-256' }), 41);
    const two = (breakSecond: boolean) =>
      pdfWithCms(pki, base, (content) =>
        signedData({
          certificates: [rsa2048.cert, ec.cert],
          digestAlgorithms: ['SHA-256'],
          signerInfos: [
            signerInfo({
              cert: rsa2048.cert,
              key: rsa2048.key,
              content,
              digestAlgorithm: 'SHA-256',
              scheme: schemes.rsa('SHA-256'),
            }),
            signerInfo({
              cert: ec.cert,
              key: ec.key,
              content: breakSecond ? Buffer.from('other content') : content,
              digestAlgorithm: 'SHA-256',
              scheme: schemes.ecdsa('SHA-256'),
            }),
          ],
        }),
      );
    const ok = only(await verify(await two(false)));
    expect(ok.indication).toBe('TOTAL_PASSED');
    expect(
      ok.signerInfos.map((s) => [
        s.signer?.includes('Signer 10'),
        s.signer?.includes('Signer 41'),
        s.indication,
      ]),
    ).toEqual([
      [true, false, 'TOTAL_PASSED'],
      [false, true, 'TOTAL_PASSED'],
    ]);
    const bad = only(await verify(await two(true)));
    expect(bad).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'HASH_FAILURE' });
    expect(bad.signerInfos.map((s) => s.indication)).toEqual(['TOTAL_PASSED', 'TOTAL_FAILED']);
    expect(bad.messages[0]).toMatch(/^SignerInfo 2: /);
  });

  it('reports a malformed signed attribute as FORMAT_FAILURE', async () => {
    const pdf = await pdfWithCms(pki, base, (content) =>
      signedData({
        certificates: [rsa2048.cert],
        digestAlgorithms: ['SHA-256'],
        signerInfos: [
          signerInfo({
            cert: rsa2048.cert,
            key: rsa2048.key,
            content,
            digestAlgorithm: 'SHA-256',
            scheme: schemes.rsa('SHA-256'),
            signedAttributes: [
              ...standardAttributes(content, 'SHA-256', rsa2048.cert),
              attribute(OID.contentType, oid(OID.data)),
            ],
          }),
        ],
      }),
    );
    expect(only(await verify(pdf))).toMatchObject({
      indication: 'TOTAL_FAILED',
      subIndication: 'FORMAT_FAILURE',
    });
  });
});

describe('signatures made by openssl cms -sign (an outside CMS implementation)', () => {
  const opensslCms = (args: string[]) => (content: Buffer) => {
    const dir = tempDir();
    const f = (n: string) => join(dir, n);
    writeFileSync(f('content.bin'), content);
    writeFileSync(f('key.pem'), rsa2048.key.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(f('cert.pem'), toPem(rsa2048.cert));
    const r = spawnSync('openssl', [
      'cms',
      '-sign',
      '-binary',
      '-outform',
      'DER',
      '-in',
      f('content.bin'),
      '-signer',
      f('cert.pem'),
      '-inkey',
      f('key.pem'),
      ...args,
    ]);
    if (r.status !== 0) throw new Error(`openssl cms: ${r.stderr.toString()}`);
    return r.stdout;
  };

  it.each([
    ['SHA-384 under rsaEncryption', ['-md', 'sha384'], true, 'SHA-384'],
    ['no signed attributes', ['-md', 'sha256', '-noattr'], false, 'SHA-256'],
    ['a subjectKeyIdentifier signer identifier', ['-md', 'sha256', '-keyid'], true, 'SHA-256'],
    ['RSASSA-PSS', ['-md', 'sha256', '-keyopt', 'rsa_padding_mode:pss'], true, 'SHA-256'],
  ])('verifies %s', async (_label, args, attrs, digest) => {
    const pdf = await pdfWithCms(pki, base, opensslCms(args), { subFilter: 'adbe.pkcs7.detached' });
    const r = only(await verify(pdf));
    expect(r).toMatchObject({ indication: 'TOTAL_PASSED', digestAlgorithm: digest });
    expect(r.signerInfos[0]!.signedAttributes).toBe(attrs);
  });
});
