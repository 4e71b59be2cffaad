import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyPdf } from '../../../pdf';
import { incomingId } from '../../../schemas/document';
import { nssDbWithRoot, pdfsig, tempDir, tool } from '../../unit/pdf/support/tools';
import { api, startHarness, user, type Api, type Harness } from '../helpers/harness';
import { SENDER, createDraft, signedDocument } from './support';

const RECIPIENT = '000.00.32.H29'; // Sở Nội vụ
let h: Harness;
let a: Api;

beforeAll(async () => {
  h = await startHarness({ exchange: true, pki: true });
  a = api(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

describe('an exchanged document is PAdES B-LTA', () => {
  it('carries signature time-stamps on both signatures, a /DSS and a document time-stamp, and verifies offline', async () => {
    const s = SENDER.code;
    const id = await signedDocument(a, 'Công văn lưu trữ lâu dài — Ủy ban nhân dân xã Tân Phú', [RECIPIENT]);
    expect((await a.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {})).status).toBe(200);
    const inboxId = incomingId(s, id);
    const item = await h.waitForInbox(RECIPIENT, inboxId, (v) => !!v.verification);
    expect(item.verification).toMatchObject({ ok: true });
    const file = await a.call(user('clerk', RECIPIENT), 'GET', `/inbox/${inboxId}/file`);
    expect(file.status).toBe(200);
    const pdf = new Uint8Array(file.raw);

    const root = await h.deps.pki.caCertificate('root');
    const report = await verifyPdf(pdf, { anchors: [root], at: new Date(), revocation: 'when-available' });
    expect(report.valid).toBe(true);
    expect(report.signatures.map((x) => [x.role, x.level])).toEqual([
      ['personal', 'B-LTA'],
      ['organisation', 'B-LTA'],
    ]);
    for (const sig of report.signatures) expect(sig.timestampTimes).toHaveLength(1);
    expect(report.dss).toMatchObject({ crls: 2, vri: 2 });
    expect(report.timestamps).toEqual([expect.objectContaining({ valid: true })]);

    // Tools we did not write: pdfsig keeps both signatures valid, qpdf finds the file sound, openssl sees the
    // signature time-stamp attribute in the exported CMS.
    const dir = tempDir('lienthong-it-exchange-ltv-');
    writeFileSync(join(dir, 'received.pdf'), pdf);
    const nss = nssDbWithRoot(dir, root);
    const sigs = pdfsig(nss, join(dir, 'received.pdf'));
    expect(sigs.slice(0, 2)).toEqual([
      expect.objectContaining({ valid: true }),
      expect.objectContaining({ valid: true }),
    ]);
    expect(tool('qpdf', ['--check', join(dir, 'received.pdf')]).status).toBe(0);
    spawnSync('pdfsig', ['-nssdir', nss, '-dump', 'received.pdf'], { cwd: dir });
    const cms = tool('openssl', [
      'cms',
      '-cmsout',
      '-print',
      '-inform',
      'DER',
      '-in',
      join(dir, 'received.pdf.sig1'),
    ]);
    expect(cms.stdout).toContain('id-smime-aa-timeStampToken');
  }, 120_000);

  it('time-stamps a deferred (token) signature once the signature value arrives', async () => {
    const s = SENDER.code;
    const signer = user('signer', s);
    const id = await createDraft(a, 'Tờ trình ký bằng thiết bị ký số', [RECIPIENT]);
    await a.call(user('drafter', s), 'POST', `/documents/${id}/submit`, {});
    await a.call(user('approver', s), 'POST', `/documents/${id}/approve`, {});
    const req = await a.call(signer, 'GET', `/documents/${id}/signing-request`);
    expect(req.status).toBe(200);
    const token = await h.deps.pki.signerFor(
      { agency: s, profile: 'personal', username: signer },
      new Date(),
    );
    const value = await token.sign(Buffer.from(req.body.toBeSigned, 'base64'), { hash: 'SHA-256' });
    const signed = await a.call(signer, 'POST', `/documents/${id}/signature`, {
      signatureValue: Buffer.from(value).toString('base64'),
    });
    expect(signed.body.state).toBe('SIGNED');
    expect((await a.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {})).status).toBe(200);
    const file = await a.call(user('drafter', s), 'GET', `/documents/${id}/file`);
    const root = await h.deps.pki.caCertificate('root');
    const report = await verifyPdf(new Uint8Array(file.raw), {
      anchors: [root],
      at: new Date(),
      revocation: 'when-available',
    });
    expect(report.signatures[0]).toMatchObject({
      role: 'personal',
      level: 'B-LTA',
      indication: 'TOTAL_PASSED',
    });
    expect(report.signatures[0]!.timestampTimes).toHaveLength(1);
  }, 120_000);
});
