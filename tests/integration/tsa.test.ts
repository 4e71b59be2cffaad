import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpensslDir } from '../unit/pki/openssl';
import { startHarness, type Harness } from './helpers/harness';

let h: Harness;
let base: string;
const ossl = new OpensslDir();

beforeAll(async () => {
  h = await startHarness();
  await h.deps.pki.ensureCa(new Date());
  base = await h.app.listen({ port: 0, host: '127.0.0.1' });
  writeFileSync(join(ossl.dir, 'document.txt'), 'Ủy ban nhân dân xã Tân Phú — công văn số 12/UBND');
  ossl.der('root.der', await h.deps.pki.caCertificate('root'));
  ossl.run(['x509', '-inform', 'DER', '-in', 'root.der', '-out', 'root.pem']);
}, 90_000);

afterAll(async () => {
  await h?.close();
  ossl.cleanup();
});

const run = promisify(execFile);

/**
 * `openssl ts -query … | curl --data-binary @- …` exactly as an operator would type it; returns the exit status.
 * Asynchronous: the server answering curl runs in this process.
 */
async function queryWithCurl(reply: string, queryFlags: string): Promise<number> {
  const pipeline =
    `openssl ts -query -data document.txt ${queryFlags} | curl -sf --max-time 20 ` +
    `-H 'Content-Type: application/timestamp-query' --data-binary @- ${base}/tsa -o ${reply}`;
  try {
    await run('sh', ['-c', pipeline], { cwd: ossl.dir });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

describe('the province time-stamp authority (POST /tsa)', () => {
  it('answers openssl ts -query through curl with a reply that openssl ts -verify accepts against the root', async () => {
    expect(await queryWithCurl('reply.tsr', '-sha256 -cert')).toBe(0);
    const text = ossl.run(['ts', '-reply', '-in', 'reply.tsr', '-text']);
    expect(text).toContain('Status: Granted.');
    expect(text).toContain('Policy OID: 1.3.6.1.4.1.99999.1.2');
    expect(text).toMatch(/Nonce: 0x[0-9A-F]+/);
    const verified = ossl.status([
      'ts',
      '-verify',
      '-in',
      'reply.tsr',
      '-data',
      'document.txt',
      '-CAfile',
      'root.pem',
    ]);
    expect(verified.out).toContain('Verification: OK');
    expect(verified.code).toBe(0);
  });

  it('publishes its certificate at /pki/ca/tsa.cer with the critical timeStamping extended key usage', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/pki/ca/tsa.cer' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pkix-cert');
    ossl.der('tsa.der', res.rawPayload);
    const text = ossl.run(['x509', '-inform', 'DER', '-in', 'tsa.der', '-noout', '-text']);
    expect(text).toMatch(/X509v3 Extended Key Usage: critical\s+Time Stamping/);
    ossl.run(['x509', '-inform', 'DER', '-in', 'tsa.der', '-out', 'tsa.pem']);
    const issuing = await h.app.inject({ method: 'GET', url: '/pki/ca/issuing.cer' });
    ossl.der('issuing.der', issuing.rawPayload);
    ossl.run(['x509', '-inform', 'DER', '-in', 'issuing.der', '-out', 'issuing.pem']);
    const chain = ossl.status([
      'verify',
      '-CAfile',
      'root.pem',
      '-untrusted',
      'issuing.pem',
      '-purpose',
      'timestampsign',
      'tsa.pem',
    ]);
    expect(chain.out).toContain('tsa.pem: OK');
  });

  it('never reuses a serial number, also under concurrent requests, and records each in MongoDB', async () => {
    const before = await h.deps.db!.collection('tsa_serials').countDocuments({});
    ossl.run(['ts', '-query', '-data', 'document.txt', '-sha256', '-out', 'q.tsq']);
    const body = readFileSync(join(ossl.dir, 'q.tsq'));
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        h.app.inject({
          method: 'POST',
          url: '/tsa',
          headers: { 'content-type': 'application/timestamp-query' },
          payload: body,
        }),
      ),
    );
    const serials = replies.map((r, i) => {
      expect(r.statusCode).toBe(200);
      expect(r.headers['content-type']).toBe('application/timestamp-reply');
      ossl.der(`c${i}.tsr`, r.rawPayload);
      return /Serial number: (0x[0-9A-F]+)/.exec(ossl.run(['ts', '-reply', '-in', `c${i}.tsr`, '-text']))![1];
    });
    expect(new Set(serials).size).toBe(8);
    expect(await h.deps.db!.collection('tsa_serials').countDocuments({})).toBe(before + 8);
  });

  it('answers an unsupported request with a rejection status inside a timestamp-reply', async () => {
    expect(await queryWithCurl('sha1.tsr', '-sha1')).toBe(0);
    const text = ossl.run(['ts', '-reply', '-in', 'sha1.tsr', '-text']);
    expect(text).toContain('Status: Rejected.');
    expect(text).toContain('unrecognized or unsupported algorithm');
  });

  it('answers bytes that are no TimeStampReq with problem+json, and another media type with 415', async () => {
    const garbage = await h.app.inject({
      method: 'POST',
      url: '/tsa',
      headers: { 'content-type': 'application/timestamp-query' },
      payload: Buffer.from('xin chào'),
    });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.headers['content-type']).toContain('application/problem+json');
    expect(garbage.json()).toMatchObject({
      code: 'BAD_REQUEST',
      detail: expect.stringContaining('TimeStampReq'),
    });
    const json = await h.app.inject({ method: 'POST', url: '/tsa', payload: { hash: 'abc' } });
    expect(json.statusCode).toBe(415);
    expect(json.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await h.app.inject({
      method: 'POST',
      url: '/tsa',
      headers: { 'content-type': 'application/timestamp-query' },
      payload: Buffer.alloc(10_000, 0x30),
    });
    expect(huge.statusCode).toBe(413);
  });
});
