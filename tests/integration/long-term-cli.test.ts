import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../cli/main';
import { createKeySigner } from '../../pki';
import { makePdf } from './exchange/support';
import { startHarness, type Harness } from './helpers/harness';
import { nssDbWithRoot, pdfsig, tempDir, tool } from '../unit/pdf/support/tools';

const COMMUNE = '000.01.01.H29'; // Ủy ban nhân dân xã Tân Phú
let h: Harness;
let base: string;
let dir: string;
const f = (name: string) => join(dir, name);

/** A free TCP port: the CA writes CRL distribution points under PUBLIC_BASE_URL before the app listens. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  process.exitCode = undefined;
  try {
    return { code: await main(['node', 'lienthong', ...args]), stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  h = await startHarness({ env: { PUBLIC_BASE_URL: base } });
  const now = new Date();
  await h.deps.pki.ensureCa(now);
  await h.app.listen({ port, host: '127.0.0.1' });
  const { privateKey, chain } = await h.deps.pki.issue(
    {
      agency: COMMUNE,
      profile: 'organisation',
      commonName: 'Ủy ban nhân dân xã Tân Phú',
      organisation: 'Ủy ban nhân dân xã Tân Phú',
    },
    now,
    'subscriber',
  );
  await h.deps.pki.publishCrl('issuing', now);
  await h.deps.pki.publishCrl('root', now);
  dir = tempDir('lienthong-it-ltv-');
  writeFileSync(f('in.pdf'), await makePdf('Cong van so 12/UBND'));
  writeFileSync(f('cert.der'), chain[0]!);
  writeFileSync(f('issuing.der'), chain[1]!);
  writeFileSync(f('root.der'), chain[2]!);
  writeFileSync(f('key.der'), privateKey.export({ type: 'pkcs8', format: 'der' }));
  expect(createKeySigner(privateKey, chain).keyAlgorithm).toBe('RSA');
}, 90_000);

afterAll(async () => {
  await h?.close();
});

describe('lienthong pdf sign --level B-LTA against the stack: its TSA and its published CRLs', () => {
  it('signs, embeds the CRLs fetched from the distribution points, time-stamps, and verifies offline', async () => {
    const signed = await cli([
      'pdf',
      'sign',
      '--in',
      f('in.pdf'),
      '--out',
      f('blta.pdf'),
      '--cert',
      f('cert.der'),
      '--key',
      f('key.der'),
      '--chain',
      f('issuing.der'),
      '--appearance',
      'organisation',
      '--level',
      'B-LTA',
      '--tsa',
      `${base}/tsa`,
    ]);
    expect(signed).toMatchObject({ code: 0, stderr: '' });
    const v = await cli(['pdf', 'verify', '--full', '--in', f('blta.pdf'), '--anchor', f('root.der')]);
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout);
    expect(report.signatures[0]).toMatchObject({ indication: 'TOTAL_PASSED', level: 'B-LTA' });
    expect(report.signatures[0].signer).toContain('Ủy ban nhân dân xã Tân Phú');
    expect(report.dss).toMatchObject({ crls: 2, vri: 1 });
    expect(report.timestamps[0]).toMatchObject({
      valid: true,
      tsa: expect.stringContaining('Lienthong TSA'),
    });
    // poppler 22.12 lists the document time-stamp (type "unknown") without verifying it; openssl ts -verify does
    // that in tests/unit/pdf/long-term.test.ts. The signature must still be valid after both updates.
    const sigs = pdfsig(nssDbWithRoot(tempDir(), await h.deps.pki.caCertificate('root')), f('blta.pdf'));
    expect(sigs).toHaveLength(2);
    expect(sigs[0]).toMatchObject({ valid: true, trusted: true });
    expect(sigs[1]).toMatchObject({ total: true });
    expect(tool('qpdf', ['--check', f('blta.pdf')]).status).toBe(0);
  }, 60_000);
});
