import { createKeySigner, generateKeyPair } from '../../../../pki';
import { answerTimestampRequest } from '../../../../pki/tsa/authority';
import { type FetchLike, fetchTimestamp } from '../../../../pki/tsa/client';
import { LIENTHONG_TSA_POLICY_OID, issueTsaCertificate } from '../../../../pki/tsa/profile';
import { parseTimestampRequest } from '../../../../pki/tsa/request';
import type { TsaCredentials } from '../../../../pki/tsa/token';
import type { TimestampTokenSource } from '../../../../pdf/sign/signature-timestamp';
import type { TestPki } from '../../../helpers/test-pki';

export interface TestTsa {
  credentials: TsaCredentials;
  /** A token source as the CLI builds it (request, reply, nonce and imprint checks), answered in process at `now()`. */
  source: TimestampTokenSource;
  /** The clock of the TSA; tests move it. */
  now: Date;
}

/** A TSA certified by the test PKI's issuing CA, answering with the real authority code, without HTTP. */
export async function createTestTsa(pki: TestPki, now: Date): Promise<TestTsa> {
  const keys = await generateKeyPair('rsa2048');
  const cert = issueTsaCertificate({
    commonName: 'Dịch vụ cấp dấu thời gian tỉnh Hòa An',
    organisation: 'Lienthong Test PKI',
    subjectPublicKey: keys.publicKey,
    issuer: { certificate: pki.issuing.certificate, privateKey: pki.issuing.privateKey },
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2035-01-01T00:00:00Z'),
    crlUrl: 'http://pki.test/pki/crl/issuing.crl',
  }).certificate;
  const chain = [cert, pki.issuing.certificate];
  let serial = 0;
  const tsa: TestTsa = {
    credentials: { signer: createKeySigner(keys.privateKey, chain), chain },
    now,
    source: async (digest, hash) => (await fetchTimestamp('http://tsa.test/tsa', digest, hash, fake)).token,
  };
  const fake: FetchLike = async (_url, init) => {
    const reply = await answerTimestampRequest(parseTimestampRequest(init.body), {
      credentials: tsa.credentials,
      policy: { policy: LIENTHONG_TSA_POLICY_OID, accuracy: { seconds: 1 } },
      now: tsa.now,
      allocateSerial: async () => Uint8Array.of(0x20, ++serial),
    });
    return {
      ok: true,
      status: 200,
      headers: { get: () => 'application/timestamp-reply' },
      arrayBuffer: async () => new Uint8Array(reply).buffer,
    };
  };
  return tsa;
}
