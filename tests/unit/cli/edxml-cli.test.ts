import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestPki, type TestPki } from '../../helpers/test-pki';

const BIN = path.resolve(__dirname, '../../../bin/lienthong.js');
const SAMPLES = path.resolve(__dirname, '../../conformance/edxml');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'edxml', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64')}\n-----END CERTIFICATE-----\n`;

describe('lienthong edxml (CLI)', () => {
  let pki: TestPki;
  let dir: string;
  const f = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    pki = await createTestPki();
    dir = mkdtempSync(path.join(tmpdir(), 'lienthong-edxml-'));
    writeFileSync(f('root.der'), pki.root.certificate);
    writeFileSync(f('root.pem'), pem(pki.root.certificate));
    writeFileSync(f('chain.pem'), pem(pki.organisation.certificate) + pem(pki.issuing.certificate));
    writeFileSync(f('org.key'), pki.organisation.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(f('html.xml'), '<html><body>not edXML</body></html>');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parse prints JSON whose DocumentId and Subject are as in the file (exit 0)', () => {
    const r = cli(['parse', '--in', path.join(SAMPLES, 'envelope-prefixed.edxml')]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & { header: { from: { organName: string } } };
    expect(out.documentId).toBe('000.00.31.H29,2026/11/20,74fass22/UBND-VP');
    expect(out.subject).toBe('V/v báo cáo tình hình triển khai dịch vụ công trực tuyến & chữ ký số năm 2026');
    expect(out.header.from.organName).toBe('Ủy ban nhân dân xã Tân Phú');
    expect(out.signature).toBeUndefined();
    const status = JSON.parse(cli(['parse', '--in', path.join(SAMPLES, 'status-03.edxml')]).stdout) as {
      statusCode: string;
    };
    expect(status.statusCode).toBe('03');
  });

  it('parse exits 1 naming the element when the file is not edXML, 2 when it cannot be read', () => {
    const r = cli(['parse', '--in', f('html.xml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('<html>');
    expect(r.stdout).toBe('');
    expect(cli(['parse', '--in', f('missing.xml')]).code).toBe(2);
  });

  it('build from a parse output, signed, verifies against a PEM or DER anchor; parse shows the verdict', () => {
    writeFileSync(f('env.json'), cli(['parse', '--in', path.join(SAMPLES, 'envelope-minimal.edxml')]).stdout);
    const b = cli([
      'build',
      '--in',
      f('env.json'),
      '--out',
      f('signed.edxml'),
      '--sign-cert',
      f('chain.pem'),
      '--sign-key',
      f('org.key'),
    ]);
    expect(b.code).toBe(0);
    expect(JSON.parse(b.stdout)).toMatchObject({ signed: true });
    for (const anchor of ['root.der', 'root.pem']) {
      const v = cli(['verify', '--in', f('signed.edxml'), '--anchor', f(anchor)]);
      expect(v.code).toBe(0);
      expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, intact: true, coversHeader: true });
    }
    const p = cli(['parse', '--in', f('signed.edxml'), '--anchor', f('root.der')]);
    expect(p.code).toBe(0);
    const parsed = JSON.parse(p.stdout) as {
      signed: boolean;
      signature: { valid: boolean };
      documentId: string;
    };
    expect(parsed).toMatchObject({ signed: true, signature: { valid: true } });
    expect(parsed.documentId).toBe('000.00.12.H29,2026-11-18,512/SNV-CCHC');
  });

  it('verify exits 1 on a changed byte, an unsigned file or another anchor, 2 on an anchor that is no certificate', async () => {
    const signed = readFileSync(f('signed.edxml'), 'utf8');
    writeFileSync(f('tampered.edxml'), signed.replace('Lê Minh Châu', 'Lê Minh Chau'));
    const t = cli(['verify', '--in', f('tampered.edxml'), '--anchor', f('root.der')]);
    expect(t.code).toBe(1);
    expect(JSON.parse(t.stdout)).toMatchObject({ valid: false, intact: false });
    const u = cli(['verify', '--in', path.join(SAMPLES, 'status-03.edxml'), '--anchor', f('root.der')]);
    expect(u.code).toBe(1);
    expect(JSON.parse(u.stdout)).toMatchObject({ valid: false, reason: 'the file is not signed' });
    const other = await createTestPki();
    writeFileSync(f('other.der'), other.root.certificate);
    const o = cli(['verify', '--in', f('signed.edxml'), '--anchor', f('other.der')]);
    expect(o.code).toBe(1);
    expect(JSON.parse(o.stdout)).toMatchObject({ valid: false, intact: true, chain: { valid: false } });
    writeFileSync(f('junk.der'), Buffer.from('not a certificate'));
    const j = cli(['verify', '--in', f('signed.edxml'), '--anchor', f('junk.der')]);
    expect(j.code).toBe(2);
    expect(j.stderr).toContain('not a certificate');
  });

  it('build exits 1 on JSON that is not a model, 2 on a file that is not JSON', () => {
    writeFileSync(f('bad.json'), JSON.stringify({ kind: 'envelope', header: {} }));
    const r = cli(['build', '--in', f('bad.json'), '--out', f('bad.edxml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not an edXML model/);
    writeFileSync(f('text.json'), 'not json');
    expect(cli(['build', '--in', f('text.json'), '--out', f('bad.edxml')]).code).toBe(2);
    expect(
      cli(['build', '--in', f('env.json'), '--out', f('x.edxml'), '--sign-cert', f('chain.pem')]).code,
    ).toBe(2);
  });
});
