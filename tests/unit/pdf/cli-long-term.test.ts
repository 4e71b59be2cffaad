import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { answerTimestampRequest } from '../../../pki/tsa/authority';
import { LIENTHONG_TSA_POLICY_OID } from '../../../pki/tsa/profile';
import { parseTimestampRequest } from '../../../pki/tsa/request';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { createTestTsa, type TestTsa } from './support/test-tsa';
import { nssDbWithRoot, pdfsig, tempDir, tool } from './support/tools';

jest.setTimeout(120_000);

let pki: TestPki;
let tsa: TestTsa;
let server: Server;
let url: string;
let dir: string;
let serial = 0;
const f = (name: string) => join(dir, name);
const GEN_TIME = new Date('2026-02-20T01:00:00Z');

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'lienthong', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  pki = await createTestPki();
  tsa = await createTestTsa(pki, GEN_TIME);
  dir = tempDir('lienthong-cli-ltv-');
  writeFileSync(f('in.pdf'), await makePdf());
  writeFileSync(f('cert.der'), pki.personal.certificate);
  writeFileSync(f('issuing.der'), pki.issuing.certificate);
  writeFileSync(f('key.der'), pki.personal.privateKeyPkcs8);
  writeFileSync(f('root.der'), pki.root.certificate);
  writeFileSync(f('crl.der'), pki.crl);
  writeFileSync(f('rootcrl.der'), pki.rootCrl);
  // The TSA over real HTTP, as `POST /tsa` answers it, with the test PKI's TSA certificate and a fixed clock.
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void answerTimestampRequest(parseTimestampRequest(Buffer.concat(chunks)), {
        credentials: tsa.credentials,
        policy: { policy: LIENTHONG_TSA_POLICY_OID, accuracy: { seconds: 1 } },
        now: GEN_TIME,
        allocateSerial: async () => Uint8Array.of(0x30, ++serial),
      }).then((reply) => res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsa`;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

const signArgs = (out: string, ...extra: string[]) => [
  'pdf',
  'sign',
  '--in',
  f('in.pdf'),
  '--out',
  f(out),
  '--cert',
  f('cert.der'),
  '--key',
  f('key.der'),
  '--chain',
  f('issuing.der'),
  '--time',
  '2026-02-20T00:59:00Z',
  ...extra,
];
const verifyFull = async (file: string, ...extra: string[]) => {
  const r = await cli([
    'pdf',
    'verify',
    '--full',
    '--in',
    f(file),
    '--anchor',
    f('root.der'),
    '--at',
    '2026-03-01T00:00:00Z',
    ...extra,
  ]);
  return { code: r.code, report: JSON.parse(r.stdout) };
};

describe('lienthong pdf sign --level, pdf timestamp, pdf extend', () => {
  it('signs at B-T with the TSA and verify --full reports the level and the time-stamp time', async () => {
    expect((await cli(signArgs('bt.pdf', '--level', 'B-T', '--tsa', url))).code).toBe(0);
    const { code, report } = await verifyFull('bt.pdf', '--crl', f('crl.der'), '--crl', f('rootcrl.der'));
    expect(code).toBe(0);
    expect(report.signatures[0]).toMatchObject({ level: 'B-T', timestampTimes: [GEN_TIME.toISOString()] });
  });

  it('signs at B-LTA in one command: verifies offline from the anchor alone, pdfsig and qpdf agree', async () => {
    const r = await cli(
      signArgs(
        'blta.pdf',
        '--level',
        'B-LTA',
        '--tsa',
        url,
        '--crl',
        f('crl.der'),
        '--crl',
        f('rootcrl.der'),
      ),
    );
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const { code, report } = await verifyFull('blta.pdf');
    expect(code).toBe(0);
    expect(report.signatures[0]).toMatchObject({ indication: 'TOTAL_PASSED', level: 'B-LTA' });
    expect(report.timestamps[0]).toMatchObject({ valid: true });
    expect(report.dss).toMatchObject({ crls: 2 });
    expect(pdfsig(nssDbWithRoot(tempDir(), pki.root.certificate), f('blta.pdf'))[0]).toMatchObject({
      valid: true,
    });
    expect(tool('qpdf', ['--check', f('blta.pdf')]).status).toBe(0);
  });

  it('extends a B-T file to B-LT, and adds a document time-stamp to any PDF', async () => {
    const ext = await cli([
      'pdf',
      'extend',
      '--in',
      f('bt.pdf'),
      '--out',
      f('blt.pdf'),
      '--level',
      'B-LT',
      '--crl',
      f('crl.der'),
      '--crl',
      f('rootcrl.der'),
    ]);
    expect(ext.code).toBe(0);
    expect((await verifyFull('blt.pdf')).report.signatures[0]).toMatchObject({
      indication: 'TOTAL_PASSED',
      level: 'B-LT',
    });
    const ts = await cli(['pdf', 'timestamp', '--in', f('blt.pdf'), '--out', f('blt-ts.pdf'), '--tsa', url]);
    expect(ts.code).toBe(0);
    const { report } = await verifyFull('blt-ts.pdf');
    expect(report.documentTimestamps).toEqual(['DocumentTimestamp1']);
    expect(report.signatures[0].level).toBe('B-LTA');
  });

  it('exits 2 for a level without --tsa, an unknown level, and an unreachable TSA', async () => {
    expect((await cli(signArgs('x.pdf', '--level', 'B-T'))).stderr).toContain('--tsa <url> is required');
    expect((await cli(signArgs('x.pdf', '--level', 'B-T'))).code).toBe(2);
    expect((await cli(signArgs('x.pdf', '--level', 'B-XL', '--tsa', url))).code).toBe(2);
    const down = await cli(signArgs('x.pdf', '--level', 'B-T', '--tsa', 'http://127.0.0.1:9/tsa'));
    expect(down.code).toBe(2);
    expect(down.stderr).toContain('TSA_UNREACHABLE');
    expect(
      (await cli(['pdf', 'extend', '--in', f('bt.pdf'), '--out', f('y.pdf'), '--level', 'B-T'])).code,
    ).toBe(2);
  });
});
