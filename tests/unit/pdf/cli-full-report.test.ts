import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../../cli/main';
import { signPdf } from '../../../pdf';
import { createTestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { ORGANISATION_TIME } from './support/signing';
import { tempDir } from './support/tools';

jest.setTimeout(60_000);

async function cli(args: string[]) {
  const out: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'lienthong', ...args]);
    return { code, stdout: out.join('') };
  } finally {
    o.mockRestore();
    process.exitCode = undefined;
  }
}

describe('lienthong pdf verify --full', () => {
  it('keeps the report fields it printed before and adds fieldNames, signerInfos and timestamps', async () => {
    const pki = await createTestPki();
    const dir = tempDir();
    const f = (n: string) => join(dir, n);
    writeFileSync(
      f('signed.pdf'),
      await signPdf(await makePdf(), { signer: pki.organisation.signer, signingTime: ORGANISATION_TIME }),
    );
    writeFileSync(f('root.der'), pki.root.certificate);
    writeFileSync(f('crl.der'), pki.crl);
    writeFileSync(f('rootcrl.der'), pki.rootCrl);
    const args = ['pdf', 'verify', '--full', '--in', f('signed.pdf'), '--anchor', f('root.der')];
    const crls = ['--crl', f('crl.der'), '--crl', f('rootcrl.der'), '--at', '2026-03-01T00:00:00Z'];
    const r = await cli([...args, ...crls]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      valid: true,
      indication: 'TOTAL_PASSED',
      documentTimestamps: [],
      timestamps: [],
    });
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['validationTime', 'revisions', 'signatures']));
    const s = json.signatures[0];
    const before = [
      'fieldName',
      'valid',
      'indication',
      'messages',
      'subFilter',
      'coversWholeDocument',
      'changesAfterSigning',
      'byteRange',
      'signedLength',
      'coveredRevision',
      'signingTime',
      'signer',
      'serial',
      'issuer',
      'digestAlgorithm',
      'certificatePath',
      'role',
    ];
    expect(Object.keys(s)).toEqual(expect.arrayContaining([...before, 'fieldNames', 'signerInfos']));
    expect(s.fieldNames).toEqual([s.fieldName]);
    expect(s.signerInfos).toEqual([
      expect.objectContaining({
        indication: 'TOTAL_PASSED',
        signer: s.signer,
        signatureAlgorithm: 'SHA-256 with RSA',
        signedAttributes: true,
        signatureTimestamps: [],
      }),
    ]);
  });
});
