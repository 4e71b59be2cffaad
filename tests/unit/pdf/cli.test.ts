import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { redSealPng } from './support/png';
import { tempDir, toPem } from './support/tools';

jest.setTimeout(60_000);

let pki: TestPki;
let dir: string;
const f = (n: string) => join(dir, n);

beforeAll(async () => {
  pki = await createTestPki();
  dir = tempDir();
  writeFileSync(f('in.pdf'), await makePdf());
  writeFileSync(f('root.der'), pki.root.certificate);
  writeFileSync(f('crl.der'), pki.crl);
  writeFileSync(f('rootcrl.der'), pki.rootCrl);
  writeFileSync(f('issuing.pem'), toPem(pki.issuing.certificate));
  for (const who of ['personal', 'organisation'] as const) {
    writeFileSync(f(`${who}.pem`), toPem(pki[who].certificate));
    writeFileSync(
      f(`${who}.key`),
      pki[who].privateKey.export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: 'bí mật',
      }),
    );
  }
  writeFileSync(f('seal.png'), redSealPng());
});

async function cli(args: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
  Object.assign(process.env, env);
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

describe('lienthong pdf sign / verify', () => {
  it('signs twice with encrypted keys and verifies: one JSON object, exit 0', async () => {
    const env = { PDF_KEY_PASS: 'bí mật' };
    const s1 = await cli(
      [
        'pdf',
        'sign',
        '--in',
        f('in.pdf'),
        '--out',
        f('one.pdf'),
        '--cert',
        f('personal.pem'),
        '--key',
        f('personal.key'),
        '--key-pass-env',
        'PDF_KEY_PASS',
        '--chain',
        f('issuing.pem'),
        '--appearance',
        'personal',
        '--time',
        '2026-02-10T02:15:00Z',
      ],
      env,
    );
    expect(s1).toMatchObject({ code: 0, stderr: '' });
    const s2 = await cli(
      [
        'pdf',
        'sign',
        '--in',
        f('one.pdf'),
        '--out',
        f('two.pdf'),
        '--cert',
        f('organisation.pem'),
        '--key',
        f('organisation.key'),
        '--key-pass-env',
        'PDF_KEY_PASS',
        '--chain',
        f('issuing.pem'),
        '--appearance',
        'organisation',
        '--image',
        f('seal.png'),
        '--time',
        '2026-02-10T03:30:00Z',
      ],
      env,
    );
    expect(s2.code).toBe(0);
    const v = await cli([
      'pdf',
      'verify',
      '--in',
      f('two.pdf'),
      '--anchor',
      f('root.der'),
      '--crl',
      f('crl.der'),
      '--crl',
      f('rootcrl.der'),
      '--at',
      '2026-03-01T00:00:00Z',
    ]);
    expect(v.code).toBe(0);
    const json = JSON.parse(v.stdout);
    expect(Object.keys(json)).toEqual(['valid', 'indication', 'signatures']);
    expect(json).toMatchObject({ valid: true, indication: 'TOTAL_PASSED' });
    expect(json.signatures).toHaveLength(2);
    expect(Object.keys(json.signatures[0])).toEqual([
      'valid',
      'subIndication',
      'signer',
      'serial',
      'signingTime',
      'coversWholeDocument',
    ]);
    expect(json.signatures[1]).toMatchObject({
      valid: true,
      coversWholeDocument: true,
      signingTime: '2026-02-10T03:30:00.000Z',
    });
  });

  it('exits 1 for an unsigned or invalid document and 2 for bad usage or unreadable input', async () => {
    const unsigned = await cli([
      'pdf',
      'verify',
      '--in',
      f('in.pdf'),
      '--anchor',
      f('root.der'),
      '--at',
      '2026-03-01T00:00:00Z',
    ]);
    expect(unsigned.code).toBe(1);
    expect(JSON.parse(unsigned.stdout)).toMatchObject({ valid: false, signatures: [] });
    expect((await cli(['pdf', 'verify', '--in', f('missing.pdf'), '--anchor', f('root.der')])).code).toBe(2);
    expect((await cli(['pdf', 'verify', '--in', f('in.pdf')])).code).toBe(2);
    writeFileSync(f('junk.pdf'), 'not a pdf at all');
    const junk = await cli(['pdf', 'verify', '--in', f('junk.pdf'), '--anchor', f('root.der')]);
    expect(junk.code).toBe(2);
    expect(junk.stderr).toContain('MALFORMED_PDF');
    const wrongPass = await cli(
      [
        'pdf',
        'sign',
        '--in',
        f('in.pdf'),
        '--out',
        f('x.pdf'),
        '--cert',
        f('personal.pem'),
        '--key',
        f('personal.key'),
        '--key-pass-env',
        'PDF_KEY_PASS',
      ],
      { PDF_KEY_PASS: 'wrong' },
    );
    expect(wrongPass.code).toBe(2);
    expect(
      (
        await cli([
          'pdf',
          'sign',
          '--in',
          f('in.pdf'),
          '--out',
          f('x.pdf'),
          '--appearance',
          'fancy',
          '--cert',
          f('personal.pem'),
          '--key',
          f('personal.key'),
        ])
      ).code,
    ).toBe(2);
  });

  it('runs as npx lienthong (bin script) with the documented contract', () => {
    const r = spawnSync(
      'node',
      [
        'bin/lienthong.js',
        'pdf',
        'verify',
        '--in',
        f('two.pdf'),
        '--anchor',
        f('root.der'),
        '--at',
        '2026-03-01T00:00:00Z',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout).valid).toBe(true);
  });
});
