import { createHash } from 'node:crypto';
import { parseCertificate } from '../../pdf/cms/certificate';
import { parseSignedData } from '../../pdf/cms/parse-signed-data';
import { PROVINCE_TSA_POLICY, stampDigest } from '../../pki/tsa/authority';
import { TsaStore } from '../../store/tsa-store';
import { OpensslDir } from '../unit/pki/openssl';
import { startHarness, type Harness } from './helpers/harness';

const YEAR_MS = 365.25 * 86_400_000;
let h: Harness;
const ossl = new OpensslDir();

beforeAll(async () => {
  h = await startHarness();
  await h.deps.pki.ensureCa(new Date());
  ossl.pem('root.pem', await h.deps.pki.caCertificate('root'));
}, 90_000);

afterAll(async () => {
  await h?.close();
  ossl.cleanup();
});

/** A token over `data` by `tsa` at `now`, as the exchange gets its own (stampDigest). */
async function stamp(tsa: TsaStore, data: string, now: Date): Promise<Buffer> {
  const digest = createHash('sha256').update(data).digest();
  return stampDigest(digest, 'SHA-256', {
    credentials: await tsa.credentials(now),
    policy: PROVINCE_TSA_POLICY,
    now,
    allocateSerial: (genTime) =>
      tsa.allocateSerial(genTime, { algorithm: 'SHA-256', hex: digest.toString('hex') }),
  });
}

describe('TSA key rollover', () => {
  it('issues itself a new key and certificate within the policy window, publishes it, and old tokens keep verifying', async () => {
    const tsa = new TsaStore(h.deps.db!, h.deps.pki, { passphrase: 'test-keystore-passphrase' });
    const t0 = new Date();
    const first = await tsa.certificate(t0);
    const data = 'Ủy ban nhân dân xã Tân Phú — công văn số 12/UBND';
    ossl.der('old.tsr', await stamp(tsa, data, t0));
    ossl.der('document.txt', Buffer.from(data));

    // Half a year before the 5-year certificate ends: outside the one-year window nothing changes…
    expect(Buffer.from(await tsa.certificate(new Date(t0.getTime() + 3.5 * YEAR_MS)))).toEqual(
      Buffer.from(first),
    );
    // …inside it the TSA rolls over to a fresh key and certificate from the issuing CA.
    const later = new Date(t0.getTime() + 4.5 * YEAR_MS);
    const second = await tsa.certificate(later);
    expect(Buffer.from(second)).not.toEqual(Buffer.from(first));
    const info = parseCertificate(second);
    expect(info.notBefore.getTime()).toBe(Math.floor(later.getTime() / 1000) * 1000);
    expect(info.notAfter.getTime()).toBeGreaterThan(parseCertificate(first).notAfter.getTime());
    expect(info.issuer).toEqual(parseCertificate(first).issuer);
    const spki = (der: Uint8Array) => parseCertificate(der).publicKey.export({ type: 'spki', format: 'der' });
    expect(spki(second)).not.toEqual(spki(first));

    // A new token is signed by the new key and carries the new certificate.
    const fresh = parseSignedData(await stamp(tsa, data, later));
    expect(fresh.certificates.map((c) => Buffer.from(c).toString('hex'))).toContain(
      Buffer.from(second).toString('hex'),
    );
    // Rollover happens once: a second call at the same time keeps the new unit.
    expect(Buffer.from(await tsa.certificate(later))).toEqual(Buffer.from(second));
    const history = await tsa.certificateHistory();
    expect(history.map((x) => x.current)).toEqual([true, false]);

    // Published at /pki/ca/tsa.cer (another process's TsaStore reads the rolled-over unit).
    const res = await h.app.inject({ method: 'GET', url: '/pki/ca/tsa.cer' });
    expect(res.statusCode).toBe(200);
    expect(Buffer.from(res.rawPayload)).toEqual(Buffer.from(second));

    // The token issued before the rollover still verifies with openssl against the root.
    const verified = ossl.status([
      'ts',
      '-verify',
      '-in',
      'old.tsr',
      '-token_in',
      '-data',
      'document.txt',
      '-CAfile',
      'root.pem',
    ]);
    expect(verified.out).toContain('Verification: OK');
    expect(verified.code).toBe(0);
  }, 90_000);
});
