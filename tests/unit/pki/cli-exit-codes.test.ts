import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestPki, type TestPki } from '../../helpers/test-pki';

const BIN = path.resolve(__dirname, '../../../bin/lienthong.js');

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lienthong pki (CLI)', () => {
  let pki: TestPki;
  let dir: string;
  const f = (name: string) => path.join(dir, name);
  const at = '2026-03-01T00:00:00Z';

  beforeAll(async () => {
    pki = await createTestPki({ revoke: ['organisation'] });
    dir = mkdtempSync(path.join(tmpdir(), 'lienthong-cli-'));
    writeFileSync(f('root.der'), pki.root.certificate);
    const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(pki.issuing.certificate).toString('base64')}\n-----END CERTIFICATE-----\n`;
    writeFileSync(f('issuing.pem'), pem);
    writeFileSync(f('personal.der'), pki.personal.certificate);
    writeFileSync(f('org.der'), pki.organisation.certificate);
    writeFileSync(f('crl.der'), pki.crl);
    writeFileSync(f('root.crl'), pki.rootCrl);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const chain = (cert: string, extra: string[] = []) => [
    'pki',
    'verify-chain',
    '--anchor',
    f('root.der'),
    '--intermediate',
    f('issuing.pem'),
    '--cert',
    f(cert),
    '--at',
    at,
    ...extra,
  ];

  it('exits 0 and prints one JSON object for a valid chain (DER and PEM inputs)', () => {
    const r = cli(chain('personal.der', ['--crl', f('crl.der'), '--crl', f('root.crl')]));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { valid: boolean; code: string; path: string[] };
    expect(out).toMatchObject({ valid: true, code: 'VALID' });
    expect(out.path[2]).toContain('Nguyễn Văn An');
  });

  it('says revocation was not checked when no --crl is given', () => {
    const r = cli(chain('org.der'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).message).toContain('revocation not checked');
  });

  it('exits 1 for a revoked certificate', () => {
    const r = cli(chain('org.der', ['--crl', f('crl.der'), '--crl', f('root.crl')]));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ valid: false, code: 'REVOKED' });
  });

  it('exits 2 on bad usage or unreadable input', () => {
    expect(cli(['pki', 'verify-chain', '--cert', f('personal.der')]).code).toBe(2);
    const missing = cli(['pki', 'verify-chain', '--anchor', f('nope.der'), '--cert', f('personal.der')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read');
    expect(cli(chain('personal.der', ['--at', 'yesterday'])).code).toBe(2);
  });

  it('runs the operator CA: init (idempotent), issue, revoke, crl, verify', () => {
    const env = { LIENTHONG_KEYSTORE_PASSPHRASE: 'test-pass' };
    const ca = f('ca');
    expect(cli(['pki', 'ca', 'init', '--dir', ca, '--alg', 'p256'], env).code).toBe(0);
    const rootBefore = readFileSync(path.join(ca, 'root.crt'));
    const again = cli(['pki', 'ca', 'init', '--dir', ca, '--alg', 'p256'], env);
    expect(JSON.parse(again.stdout).created).toBe(false);
    expect(readFileSync(path.join(ca, 'root.crt')).equals(rootBefore)).toBe(true);
    expect(cli(['pki', 'ca', 'init', '--dir', f('ca2')]).code).toBe(2);

    const issued = cli(
      [
        'pki',
        'issue',
        '--dir',
        ca,
        '--profile',
        'personal',
        '--cn',
        'Lê Thị Hoa',
        '--o',
        'Sở Nội vụ',
        '--title',
        'Văn thư',
        '--out-prefix',
        path.join(ca, 'hoa'),
      ],
      env,
    );
    expect(issued.code).toBe(0);
    const serial = JSON.parse(issued.stdout).serial as string;
    const verifyArgs = [
      'pki',
      'verify-chain',
      '--anchor',
      path.join(ca, 'root.crt'),
      '--intermediate',
      path.join(ca, 'issuing.crt'),
      '--cert',
      path.join(ca, 'hoa.crt'),
      '--crl',
      path.join(ca, 'i.crl'),
      '--crl',
      path.join(ca, 'r.crl'),
    ];
    expect(
      cli(
        ['pki', 'crl', '--dir', ca, '--out', path.join(ca, 'i.crl'), '--root-out', path.join(ca, 'r.crl')],
        env,
      ).code,
    ).toBe(0);
    expect(cli(verifyArgs).code).toBe(0);
    expect(
      cli(['pki', 'revoke', '--dir', ca, '--serial', serial, '--reason', 'cessationOfOperation'], env).code,
    ).toBe(0);
    const twice = cli(
      ['pki', 'revoke', '--dir', ca, '--serial', serial, '--reason', 'cessationOfOperation'],
      env,
    );
    expect(JSON.parse(twice.stdout).changed).toBe(false);
    expect(cli(['pki', 'revoke', '--dir', ca, '--serial', serial, '--reason', 'bogus'], env).code).toBe(2);
    expect(
      cli(
        ['pki', 'crl', '--dir', ca, '--out', path.join(ca, 'i.crl'), '--root-out', path.join(ca, 'r.crl')],
        env,
      ).code,
    ).toBe(0);
    const revoked = cli(verifyArgs);
    expect(revoked.code).toBe(1);
    expect(JSON.parse(revoked.stdout).code).toBe('REVOKED');
  });
});
