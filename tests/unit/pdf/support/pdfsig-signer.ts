import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestPkiEntity } from '../../../helpers/test-pki';
import { tempDir, tool, toPem } from './tools';

/**
 * Signs `input` with `pdfsig -add-signature` (poppler 22.12; it writes adbe.pkcs7.detached, -etsi is not supported
 * with -add-signature) using an NSS database into which the entity's key and chain were imported with pk12util.
 */
export function signWithPdfsig(entity: TestPkiEntity, chain: Uint8Array[], input: Uint8Array): Uint8Array {
  const dir = tempDir('lienthong-pdfsig-');
  const f = (n: string) => join(dir, n);
  writeFileSync(f('key.pem'), entity.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  writeFileSync(f('cert.pem'), toPem(entity.certificate));
  writeFileSync(f('chain.pem'), chain.map((c) => toPem(c)).join(''));
  writeFileSync(f('in.pdf'), input);
  const steps: [string, string[]][] = [
    [
      'openssl',
      [
        'pkcs12',
        '-export',
        '-inkey',
        f('key.pem'),
        '-in',
        f('cert.pem'),
        '-certfile',
        f('chain.pem'),
        '-name',
        'signer',
        '-passout',
        'pass:pw',
        '-out',
        f('s.p12'),
      ],
    ],
    ['certutil', ['-N', '--empty-password', '-d', `sql:${dir}`]],
    ['pk12util', ['-i', f('s.p12'), '-d', `sql:${dir}`, '-W', 'pw']],
    [
      'pdfsig',
      [
        '-add-signature',
        '-nssdir',
        `sql:${dir}`,
        '-nick',
        'signer',
        '-reason',
        'test',
        f('in.pdf'),
        f('out.pdf'),
      ],
    ],
  ];
  for (const [cmd, args] of steps) {
    const r = tool(cmd, args);
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  }
  return readFileSync(f('out.pdf'));
}
