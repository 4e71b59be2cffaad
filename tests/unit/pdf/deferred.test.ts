import { sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  completeSignature,
  completeSignatureFile,
  prepareSignature,
  type PreparedSignatureState,
  verifyPdf,
} from '../../../pdf';
import { parseCertificate } from '../../../pdf/cms/certificate';
import { buildSignedData } from '../../../pdf/cms/signed-data';
import { createTestPki, type TestPki } from '../../helpers/test-pki';
import { makePdf } from './support/corpus';
import { PERSONAL_TIME } from './support/signing';
import { tempDir, toPem, tool } from './support/tools';

jest.setTimeout(60_000);

let pki: TestPki;
beforeAll(async () => {
  pki = await createTestPki();
});

const chain = () => [pki.personal.certificate, pki.issuing.certificate];
const roundTrip = (s: PreparedSignatureState): PreparedSignatureState => JSON.parse(JSON.stringify(s));

describe('deferred (two-phase) signing', () => {
  it('completes with a signature value made elsewhere over the returned signed attributes', async () => {
    const p = await prepareSignature(await makePdf(), {
      certificateChain: chain(),
      signingTime: PERSONAL_TIME,
    });
    const value = sign('sha256', p.toBeSigned, pki.personal.privateKey);
    const signed = await completeSignature(p.prepared!, roundTrip(p.state), { signatureValue: value });
    const r = await verifyPdf(signed, { anchors: pki.anchors, crls: [pki.crl, pki.rootCrl], at: pki.at });
    expect(r.valid).toBe(true);
    expect(p.toBeSignedDigest).toHaveLength(32);
  });

  it('rejects a signature value from another key with SIGNATURE_MISMATCH', async () => {
    const p = await prepareSignature(await makePdf(), {
      certificateChain: chain(),
      signingTime: PERSONAL_TIME,
    });
    const value = sign('sha256', p.toBeSigned, pki.organisation.privateKey);
    await expect(completeSignature(p.prepared!, p.state, { signatureValue: value })).rejects.toMatchObject({
      code: 'SIGNATURE_MISMATCH',
    });
  });

  it('rejects a prepared file changed between the phases with STATE_MISMATCH', async () => {
    const p = await prepareSignature(await makePdf(), {
      certificateChain: chain(),
      signingTime: PERSONAL_TIME,
    });
    const value = sign('sha256', p.toBeSigned, pki.personal.privateKey);
    const changed = Buffer.from(p.prepared!);
    changed[12] ^= 1;
    await expect(completeSignature(changed, p.state, { signatureValue: value })).rejects.toMatchObject({
      code: 'STATE_MISMATCH',
    });
  });

  it('accepts a whole CMS made by openssl cms -sign over the ByteRange, and refuses one from another signer', async () => {
    const dir = tempDir();
    const input = join(dir, 'in.pdf');
    const prepared = join(dir, 'prepared.pdf');
    writeFileSync(input, await makePdf());
    const p = await prepareSignature(
      input,
      { certificateChain: chain(), signingTime: PERSONAL_TIME, contentsMargin: 2048 },
      prepared,
    );
    const bytes = readFileSync(prepared);
    const [, b, c, d] = p.state.byteRange;
    writeFileSync(join(dir, 'content.bin'), Buffer.concat([bytes.subarray(0, b), bytes.subarray(c, c + d)]));
    const cmsFor = (who: 'personal' | 'organisation') => {
      writeFileSync(join(dir, 'cert.pem'), toPem(pki[who].certificate));
      writeFileSync(
        join(dir, 'key.pem'),
        pki[who].privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      );
      const r = tool('openssl', [
        'cms',
        '-sign',
        '-binary',
        '-in',
        join(dir, 'content.bin'),
        '-signer',
        join(dir, 'cert.pem'),
        '-inkey',
        join(dir, 'key.pem'),
        '-outform',
        'DER',
        '-md',
        'sha256',
        '-nosmimecap',
        '-out',
        join(dir, `${who}.der`),
      ]);
      expect(r.status).toBe(0);
      return readFileSync(join(dir, `${who}.der`));
    };
    await expect(
      completeSignatureFile(prepared, p.state, { cms: cmsFor('organisation') }, join(dir, 'x.pdf')),
    ).rejects.toMatchObject({ code: 'SIGNATURE_MISMATCH' });
    await completeSignatureFile(prepared, p.state, { cms: cmsFor('personal') }, join(dir, 'out.pdf'));
    const r = await verifyPdf(join(dir, 'out.pdf'), {
      anchors: pki.anchors,
      intermediates: [pki.issuing.certificate],
      at: pki.at,
      revocation: 'none',
    });
    // openssl's CMS has no signing-certificate-v2 attribute, which ETSI.CAdES.detached requires.
    expect(r.signatures[0]!.subIndication).toBe('FORMAT_FAILURE');
    expect(r.signatures[0]!.messages.join(' ')).toContain('signing-certificate-v2');
  });

  it('refuses a CMS that does not fit the reserved /Contents with CONTENTS_TOO_SMALL', async () => {
    const p = await prepareSignature(await makePdf(), {
      certificateChain: chain(),
      signingTime: PERSONAL_TIME,
      contentsMargin: 0,
    });
    const value = sign('sha256', p.toBeSigned, pki.personal.privateKey);
    const ok = await completeSignature(p.prepared!, p.state, { signatureValue: value });
    expect(ok.length).toBe(p.prepared!.length);
    // The same signature with more certificates than were reserved for.
    const bigger = buildSignedData({
      signedAttributes: p.toBeSigned,
      signature: value,
      scheme: p.state.scheme,
      signer: parseCertificate(pki.personal.certificate),
      certificates: [...chain(), pki.root.certificate, pki.organisation.certificate],
    });
    await expect(completeSignature(p.prepared!, p.state, { cms: bigger })).rejects.toMatchObject({
      code: 'CONTENTS_TOO_SMALL',
    });
    const inconsistent = { ...p.state, contentsCapacity: 10 };
    await expect(
      completeSignature(p.prepared!, inconsistent, { signatureValue: value }),
    ).rejects.toMatchObject({
      code: 'STATE_MISMATCH',
    });
  });
});
