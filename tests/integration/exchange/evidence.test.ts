import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { readEdxml } from '../../../edxml/read';
import { openBundle } from '../../../evidence/bundle';
import { incomingId } from '../../../schemas/document';
import { api, startHarness, user, type Api, type Harness } from '../helpers/harness';
import { OTHER, SENDER, signedDocument } from './support';

/**
 * Issue 17, evidence bundles: a real document exchanged between two agencies, its bundle downloaded by the sender
 * and by the recipient and checked offline by `lienthong evidence verify` (and by unzip and openssl, which we did
 * not write); each kind of tampering is named; a third agency sees nothing.
 */

const RECIPIENT = '000.00.00.H29'; // Ủy ban nhân dân tỉnh Hòa An
const ROOT = resolve(__dirname, '../../..');
let h: Harness;
let a: Api;
let dir: string;
let id: string;
const f = (name: string) => join(dir, name);

/**
 * Runs `bin/lienthong.js` as its own process: its stdout is the command's alone (in this process the harness's
 * worker may log to stdout at any moment).
 */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/lienthong.js'), ...args],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** The bundle with one entry changed, zipped again in the ASiC layout (mimetype first, stored). */
function tamper(zip: Uint8Array, name: string, change: (b: Buffer) => Buffer): Uint8Array {
  const { files } = openBundle(zip);
  expect(files.has(name)).toBe(true);
  const out: Zippable = { mimetype: [files.get('mimetype')!, { level: 0 }] };
  for (const [n, b] of files) if (n !== 'mimetype') out[n] = n === name ? change(Buffer.from(b)) : b;
  return zipSync(out);
}

beforeAll(async () => {
  h = await startHarness({ exchange: true, pki: true, env: { EXCHANGE_ACK_TIMEOUT_SECONDS: '5' } });
  a = api(h);
  dir = mkdtempSync(join(tmpdir(), 'lienthong-it-evidence-'));
  writeFileSync(f('root.cer'), (await h.app.inject({ method: 'GET', url: '/pki/ca/root.cer' })).rawPayload);

  const s = SENDER.code;
  id = await signedDocument(a, 'Quyết định về việc tổ chức hội nghị — Ủy ban nhân dân xã Tân Phú', [
    RECIPIENT,
  ]);
  expect((await a.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {})).status).toBe(200);
  const inbox = incomingId(s, id);
  await h.waitForInbox(RECIPIENT, inbox, (v) => v.verification?.ok === true);
  expect((await a.call(user('clerk', RECIPIENT), 'POST', `/inbox/${inbox}/accept`, {})).status).toBe(200);
  await h.waitForOutgoing(s, id, (d) => d.recipients[0]?.statusCode === '03');
}, 300_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GET /documents/:id/edxml', () => {
  it('gives the sender and the recipient the envelope as edXML, readable by our parser and by python', async () => {
    const sender = await a.call(user('clerk', SENDER.code), 'GET', `/documents/${id}/edxml`);
    expect(sender.status).toBe(200);
    expect(sender.headers['content-type']).toBe('application/xml; charset=utf-8');
    const xml = sender.raw.toString('utf8');
    const m = readEdxml(xml);
    if (m.kind !== 'envelope') throw new Error('expected an envelope');
    expect(m.header.from?.organName).toBe('Ủy ban nhân dân xã Tân Phú');
    expect(m.header.to.map((t) => t.organName)).toEqual(['Ủy ban nhân dân tỉnh Hòa An']);
    expect(m.header.subject).toBe('Quyết định về việc tổ chức hội nghị — Ủy ban nhân dân xã Tân Phú');

    writeFileSync(f('envelope.edxml'), xml);
    const parsed = await cli(['edxml', 'parse', '--in', f('envelope.edxml')]);
    expect(parsed.code).toBe(0);
    expect(JSON.parse(parsed.stdout)).toMatchObject({
      documentId: m.header.documentId,
      subject: m.header.subject,
    });
    // A parser we did not write.
    const py = spawnSync(
      'python3',
      [
        '-c',
        'import sys, xml.etree.ElementTree as ET\n' +
          'names = [e.text for e in ET.parse(sys.argv[1]).iter() if e.tag.endswith("}OrganName")]\n' +
          'sys.stdout.buffer.write("|".join(names).encode("utf-8"))',
        f('envelope.edxml'),
      ],
      { encoding: 'utf8' },
    );
    expect(py.status).toBe(0);
    expect(py.stdout).toBe('Ủy ban nhân dân xã Tân Phú|Ủy ban nhân dân tỉnh Hòa An');

    // The recipient, by the sender's id or by its inbox id, gets the envelope it received: the same DocumentId.
    for (const ref of [id, incomingId(SENDER.code, id)]) {
      const r = await a.call(user('clerk', RECIPIENT), 'GET', `/documents/${ref}/edxml`);
      expect(r.status).toBe(200);
      expect(readEdxml(r.raw.toString('utf8'))).toMatchObject({
        header: { documentId: m.header.documentId },
      });
    }
  }, 60_000);

  it('is a 404 for a third agency', async () => {
    for (const path of ['edxml', 'evidence']) {
      const r = await a.call(user('clerk', OTHER), 'GET', `/documents/${id}/${path}`);
      expect(r.status).toBe(404);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
  });
});

describe('GET /documents/:id/evidence', () => {
  let senderZip: Uint8Array;

  it('gives the sender a signed, time-stamped bundle that verifies offline (our CLI, unzip, openssl)', async () => {
    const r = await a.call(user('clerk', SENDER.code), 'GET', `/documents/${id}/evidence`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/vnd.etsi.asic-e+zip');
    expect(String(r.headers['content-disposition'])).toMatch(/^attachment; filename=".+\.asice"/);
    senderZip = new Uint8Array(r.raw);
    writeFileSync(f('sender.asice'), senderZip);

    const v = await cli(['evidence', 'verify', '--in', f('sender.asice'), '--anchor', f('root.cer')]);
    expect(v.stderr).toContain('VALID evidence bundle');
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout);
    expect(report.problems).toEqual([]);
    expect(report.index).toMatchObject({ documentId: id, side: 'sender', agency: SENDER.code });
    expect(report.statuses.map((s: { statusCode: string }) => s.statusCode)).toEqual(['01', '03']);
    expect(report.documents).toEqual([expect.objectContaining({ valid: true })]);
    // The signer's and the agency's (Decree 30 seal) signatures.
    expect(report.documents[0].signatures).toBeGreaterThanOrEqual(2);
    expect(report.signature.timestampedAt).toEqual(expect.any(String));
    expect(report.audit).toMatchObject({ ok: true });
    expect(report.audit.events).toBeGreaterThanOrEqual(6);

    expect(spawnSync('unzip', ['-t', f('sender.asice')], { encoding: 'utf8' }).status).toBe(0);
    const { files } = openBundle(senderZip);
    writeFileSync(f('manifest.xml'), files.get('META-INF/ASiCManifest.xml')!);
    writeFileSync(f('signature.p7s'), files.get('META-INF/signature.p7s')!);
    const pem = spawnSync('openssl', ['x509', '-inform', 'DER', '-in', f('root.cer'), '-out', f('root.pem')]);
    expect(pem.status).toBe(0);
    const ossl = spawnSync(
      'openssl',
      [
        'cms',
        '-verify',
        '-binary',
        '-inform',
        'DER',
        '-in',
        f('signature.p7s'),
        '-content',
        f('manifest.xml'),
      ].concat(['-CAfile', f('root.pem'), '-purpose', 'any', '-out', '/dev/null']),
      { encoding: 'utf8' },
    );
    expect(`${ossl.stdout}${ossl.stderr}`).toContain('Verification successful');
    expect(ossl.status).toBe(0);
  }, 120_000);

  it('gives the recipient its own bundle: what it received and the statuses it sent', async () => {
    const r = await a.call(user('clerk', RECIPIENT), 'GET', `/documents/${id}/evidence`);
    expect(r.status).toBe(200);
    writeFileSync(f('recipient.asice'), r.raw);
    const v = await cli(['evidence', 'verify', '--in', f('recipient.asice'), '--anchor', f('root.cer')]);
    expect(v.code).toBe(0);
    const report = JSON.parse(v.stdout);
    expect(report.index).toMatchObject({ documentId: id, side: 'recipient', agency: RECIPIENT });
    expect(report.statuses.map((s: { statusCode: string }) => s.statusCode)).toEqual(['01', '03']);
    expect(report.index.verificationReports).toEqual(['verification/000.00.00.H29.json']);
  }, 60_000);

  it('names the entry of each kind of tampering (exit 1), and refuses what is not a bundle (exit 2)', async () => {
    const pdf = [...openBundle(senderZip).files.keys()].find((n) => n.startsWith('documents/'))!;
    const cases: Array<[string, (b: Buffer) => Buffer]> = [
      [
        pdf,
        (b) => {
          const c = Buffer.from(b);
          c[200]! ^= 0x01;
          return c;
        },
      ],
      [
        'statuses/statuses.json',
        (b) => {
          const v = JSON.parse(b.toString('utf8'));
          v[1].at = new Date(Date.parse(v[1].at) - 3600_000).toISOString();
          return Buffer.from(JSON.stringify(v));
        },
      ],
      [
        'audit/chain.json',
        (b) => {
          const v = JSON.parse(b.toString('utf8'));
          const link = v.links.find((l: { event?: unknown }) => l.event);
          link.event.actor = 'someone.else';
          return Buffer.from(JSON.stringify(v));
        },
      ],
      [
        'META-INF/ASiCManifest.xml',
        (b) => Buffer.from(b.toString('utf8').replace('application/pdf', 'text/plain')),
      ],
    ];
    for (const [entry, change] of cases) {
      const changed = tamper(senderZip, entry, change);
      expect(Buffer.compare(Buffer.from(changed), Buffer.from(senderZip))).not.toBe(0);
      writeFileSync(f('tampered.asice'), changed);
      const v = await cli(['evidence', 'verify', '--in', f('tampered.asice'), '--anchor', f('root.cer')]);
      expect({ entry, code: v.code }).toEqual({ entry, code: 1 });
      expect(JSON.parse(v.stdout).problems.map((p: { entry: string }) => p.entry)).toContain(entry);
      expect(v.stderr).toContain(`PROBLEM ${entry}:`);
    }
    writeFileSync(f('not-a-zip.asice'), 'bonjour');
    expect(
      (await cli(['evidence', 'verify', '--in', f('not-a-zip.asice'), '--anchor', f('root.cer')])).code,
    ).toBe(2);
    expect(
      (await cli(['evidence', 'verify', '--in', f('sender.asice'), '--anchor', f('missing.cer')])).code,
    ).toBe(2);
  }, 300_000);
});

describe('an envelope nobody stored', () => {
  it('is rebuilt: the sender from its read model, a recipient from its workflow start', async () => {
    const get = async (who: string) => {
      const r = await a.call(who, 'GET', `/documents/${id}/edxml`);
      expect(r.status).toBe(200);
      const m = readEdxml(r.raw.toString('utf8'));
      if (m.kind !== 'envelope') throw new Error('expected an envelope');
      return m.header;
    };
    const [sender, recipient] = [user('clerk', SENDER.code), user('clerk', RECIPIENT)];
    const stored = await get(sender);
    expect(await h.deps.db!.collection('received_envelopes').countDocuments()).toBe(1);
    await h.deps.db!.collection('received_envelopes').deleteMany({});
    expect(await get(sender)).toEqual(stored);
    expect(await get(recipient)).toEqual(stored);
  }, 60_000);
});
