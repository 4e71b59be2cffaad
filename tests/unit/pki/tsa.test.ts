import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CRYPTO_POLICY } from '../../../pdf/verify/crypto-policy';
import { verifyTimestampToken } from '../../../pdf/verify/timestamps';
import { inMemory } from '../../../pdf/cms/signature-algorithms';
import { createKeySigner, generateKeyPair } from '../../../pki';
import { answerTimestampRequest, type TsaPolicy } from '../../../pki/tsa/authority';
import { type FetchLike, TimestampClientError, fetchTimestamp } from '../../../pki/tsa/client';
import { LIENTHONG_TSA_POLICY_OID, issueTsaCertificate } from '../../../pki/tsa/profile';
import { TimestampRequestError, parseTimestampRequest } from '../../../pki/tsa/request';
import { parseTimestampResponse } from '../../../pki/tsa/response';
import type { TsaCredentials } from '../../../pki/tsa/token';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { tempDir, tool, toPem } from '../pdf/support/tools';

jest.setTimeout(60_000);

const POLICY: TsaPolicy = { policy: LIENTHONG_TSA_POLICY_OID, accuracy: { seconds: 1 } };
const NOW = new Date('2026-03-01T08:30:15.250Z');

let pki: TestPki;
let tsa: TsaCredentials;
let dir: string;
let serial = 0;
const context = () => ({
  credentials: tsa,
  policy: POLICY,
  now: NOW,
  allocateSerial: async () => Uint8Array.of(0x10, ++serial),
});

beforeAll(async () => {
  pki = await createTestPki();
  const keys = await generateKeyPair('rsa2048');
  const cert = issueTsaCertificate({
    commonName: 'Dịch vụ cấp dấu thời gian tỉnh Hòa An',
    organisation: 'Ủy ban nhân dân tỉnh Hòa An',
    subjectPublicKey: keys.publicKey,
    issuer: { certificate: pki.issuing.certificate, privateKey: pki.issuing.privateKey },
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
  }).certificate;
  tsa = {
    signer: createKeySigner(keys.privateKey, [cert, pki.issuing.certificate]),
    chain: [cert, pki.issuing.certificate],
  };
  dir = tempDir('lienthong-tsa-');
  writeFileSync(join(dir, 'root.pem'), toPem(pki.root.certificate));
  writeFileSync(join(dir, 'data.txt'), 'Ủy ban nhân dân xã Tân Phú');
});

function opensslQuery(...flags: string[]): Buffer {
  const out = join(dir, `q${Math.random()}.tsq`);
  const r = tool('openssl', ['ts', '-query', '-data', join(dir, 'data.txt'), ...flags, '-out', out]);
  expect(r.status).toBe(0);
  return readFileSync(out);
}

describe('RFC 3161 time-stamp authority', () => {
  it('answers an openssl query with a token that openssl ts -verify accepts against the root', async () => {
    const reply = await answerTimestampRequest(
      parseTimestampRequest(opensslQuery('-sha256', '-cert')),
      context(),
    );
    const file = join(dir, 'granted.tsr');
    writeFileSync(file, reply);
    const text = tool('openssl', ['ts', '-reply', '-in', file, '-text']);
    expect(text.stdout).toContain('Status: Granted.');
    expect(text.stdout).toContain(`Policy OID: ${LIENTHONG_TSA_POLICY_OID}`);
    expect(text.stdout).toContain('Accuracy: 0x01 seconds');
    expect(text.stdout).toMatch(/Time stamp: Mar {2}1 08:30:15\.25 2026 GMT/);
    const v = tool('openssl', [
      'ts',
      '-verify',
      '-in',
      file,
      '-data',
      join(dir, 'data.txt'),
      '-CAfile',
      join(dir, 'root.pem'),
    ]);
    expect(v.stdout + v.stderr).toContain('Verification: OK');
  });

  it('echoes the nonce and leaves the certificates out when the query does not ask for them', async () => {
    const query = opensslQuery('-sha384');
    const req = parseTimestampRequest(query);
    expect(req.certReq).toBe(false);
    const reply = parseTimestampResponse(await answerTimestampRequest(req, context()));
    const file = join(dir, 'nocert.tsr');
    writeFileSync(file, reply.token!);
    const printed = tool('openssl', ['ts', '-reply', '-in', file, '-token_in', '-text']).stdout;
    expect(printed).toContain(
      `Nonce: 0x${Buffer.from(req.nonce!)
        .toString('hex')
        .replace(/^(00)+/, '')
        .toUpperCase()}`,
    );
    const cms = tool('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER', '-in', file]).stdout;
    expect(cms).toMatch(/certificates:\s*<ABSENT>/);
    const untrusted = join(dir, 'tsa.pem');
    writeFileSync(untrusted, toPem(tsa.chain[0]!) + toPem(tsa.chain[1]!));
    const v = tool('openssl', [
      'ts',
      '-verify',
      '-in',
      file,
      '-token_in',
      '-data',
      join(dir, 'data.txt'),
      '-CAfile',
      join(dir, 'root.pem'),
      '-untrusted',
      untrusted,
    ]);
    expect(v.stdout + v.stderr).toContain('Verification: OK');
  });

  it('gives every token a new serial number', async () => {
    const serials = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const reply = await answerTimestampRequest(parseTimestampRequest(opensslQuery('-sha256')), context());
      const file = join(dir, `s${i}.tsr`);
      writeFileSync(file, reply);
      serials.add(
        /Serial number: (0x[0-9A-F]+)/.exec(
          tool('openssl', ['ts', '-reply', '-in', file, '-text']).stdout,
        )![1]!,
      );
    }
    expect(serials.size).toBe(3);
  });

  it('refuses a SHA-1 imprint with a rejection status that openssl reads as badAlg', async () => {
    const reply = await answerTimestampRequest(parseTimestampRequest(opensslQuery('-sha1')), context());
    expect(parseTimestampResponse(reply)).toMatchObject({ status: 2, failure: 'badAlg' });
    const file = join(dir, 'rejected.tsr');
    writeFileSync(file, reply);
    const text = tool('openssl', ['ts', '-reply', '-in', file, '-text']).stdout;
    expect(text).toContain('Status: Rejected.');
    expect(text).toContain('unrecognized or unsupported algorithm');
  });

  it('refuses a policy it does not issue under', async () => {
    const reply = await answerTimestampRequest(
      parseTimestampRequest(opensslQuery('-sha256', '-tspolicy', '1.2.3.4')),
      context(),
    );
    expect(parseTimestampResponse(reply)).toMatchObject({ status: 2, failure: 'unacceptedPolicy' });
  });

  it('tells bytes that are no request apart from a refused request', () => {
    expect(() => parseTimestampRequest(Buffer.from('not a request'))).toThrow(TimestampRequestError);
    expect(() => parseTimestampRequest(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toThrow(
      TimestampRequestError,
    );
  });

  it('yields tokens the PAdES verifier accepts: imprint, ESS certificate, critical timeStamping EKU, path', async () => {
    const data = Buffer.from('chữ ký số');
    const fake: FetchLike = async (_url, init) => {
      const body = await answerTimestampRequest(parseTimestampRequest(init.body), context());
      return {
        ok: true,
        status: 200,
        headers: { get: () => 'application/timestamp-reply' },
        arrayBuffer: async () => new Uint8Array(body).buffer,
      };
    };
    const got = await fetchTimestamp(
      'http://tsa.test/tsa',
      createHash('sha256').update(data).digest(),
      'SHA-256',
      fake,
    );
    expect(got.genTime).toEqual(NOW);
    const r = await verifyTimestampToken(got.token, inMemory(data), {
      anchors: pki.anchors,
      crls: [pki.crl, pki.rootCrl],
      at: pki.at,
      policy: DEFAULT_CRYPTO_POLICY,
    });
    expect(r.report.messages).toEqual([]);
    expect(r.report).toMatchObject({
      valid: true,
      indication: 'TOTAL_PASSED',
      imprintMatches: true,
      policy: LIENTHONG_TSA_POLICY_OID,
    });
    expect(r.report.tsa).toContain('Dịch vụ cấp dấu thời gian tỉnh Hòa An');
  });

  it('refuses a reply that does not echo the nonce it sent', async () => {
    const stale = await answerTimestampRequest(
      parseTimestampRequest(opensslQuery('-sha256', '-cert')),
      context(),
    );
    const digest = createHash('sha256')
      .update(readFileSync(join(dir, 'data.txt')))
      .digest();
    const replay: FetchLike = async () => ({
      ok: true,
      status: 200,
      headers: { get: () => null },
      arrayBuffer: async () => new Uint8Array(stale).buffer,
    });
    await expect(fetchTimestamp('http://tsa.test/tsa', digest, 'SHA-256', replay)).rejects.toMatchObject({
      code: 'TSA_BAD_REPLY',
      message: expect.stringContaining('nonce'),
    });
    await expect(fetchTimestamp('http://tsa.test/tsa', digest, 'SHA-256', replay)).rejects.toBeInstanceOf(
      TimestampClientError,
    );
  });
});
