/**
 * Verification on receipt of files lienthong did not produce: an unreadable PDF is answered 02 at once (no retries,
 * no stuck workflow), and a PDF signed by poppler's pdfsig with certificates of the province CA is answered 01.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { documentBucket } from '../../../infra/exchange-nats';
import { ENVELOPE_VERSION, exchangeNames, inboxSubject, type Envelope } from '../../../schemas/edxml';
import { incomingId } from '../../../schemas/document';
import { exportPkcs12 } from '../../../pki/keystore/pkcs12';
import { startHarness, TEST_AGENCIES, type Harness } from '../helpers/harness';
import { RECIPIENTS, makePdf } from './support';

let h: Harness;
let dir: string;
const R0 = RECIPIENTS[0]!;
/** The foreign sender: an agency whose documents this test signs outside lienthong. */
const FOREIGN = TEST_AGENCIES.find((x) => x.code === '000.01.02.H29')!;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  h = await startHarness({ exchange: true, pki: true });
  dir = mkdtempSync(join(tmpdir(), 'lienthong-receipt-'));
}, 120_000);

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function envelopeFor(payload: Uint8Array, subject: string): Envelope {
  const hash = sha256(payload);
  return {
    version: ENVELOPE_VERSION,
    messageId: randomUUID(),
    from: { code: FOREIGN.code, name: FOREIGN.name },
    to: [{ code: R0, name: TEST_AGENCIES.find((x) => x.code === R0)!.name }],
    documentId: `${FOREIGN.code},2026/11/29,17/UBND-VP`,
    code: { number: 17, notation: 'UBND-VP' },
    promulgationInfo: { place: 'Phú Lộc', date: '2026-11-29' },
    documentType: { code: 'CV', name: 'Công văn' },
    subject,
    signerInfo: {
      competence: 'TM. ỦY BAN NHÂN DÂN',
      position: 'Chủ tịch',
      fullName: 'Người ký ngoài hệ thống',
    },
    priority: 0,
    attachments: [
      {
        name: 'cong-van.pdf',
        contentType: 'application/pdf',
        sha256: hash,
        size: payload.length,
        ref: `x/${hash}`,
      },
    ],
    businessDocType: 0,
    sentAt: new Date().toISOString(),
    attempt: 1,
  };
}

async function deliver(env: Envelope, payload: Uint8Array): Promise<void> {
  const names = exchangeNames(h.config.exchange.namespace);
  const bucket = await documentBucket(h.workerNats, names);
  await bucket.putBlob({ name: env.attachments[0]!.ref.split('/')[1]! }, payload);
  await jetstream(h.workerNats).publish(inboxSubject(R0, names), JSON.stringify(env), {
    msgID: randomUUID(),
  });
}

/** Waits for R0's copy of a message from the foreign sender to satisfy `predicate`. */
const received = (messageId: string, predicate: Parameters<Harness['waitForInbox']>[2], what: string) =>
  h.waitForInbox(R0, incomingId(FOREIGN.code, messageId), predicate, { what });

/**
 * Signs `pdf` with poppler's pdfsig (NSS), first with a personal certificate, then with the agency's organisation
 * certificate, both issued by the province CA with subscriber-held keys. NSS reads the PKCS#12 as OpenSSL writes it.
 */
async function signWithPdfsig(pdf: Uint8Array): Promise<Uint8Array> {
  const now = new Date(Date.now() - 5 * 60_000);
  const db = `sql:${dir}`;
  run('certutil', ['-N', '--empty-password', '-d', db]);
  const requests = [
    {
      nick: 'personal',
      profile: 'personal' as const,
      commonName: 'Lê Thị Hoa',
      username: `foreign.${randomUUID()}`,
    },
    { nick: 'organisation', profile: 'organisation' as const, commonName: FOREIGN.name, username: undefined },
  ];
  for (const r of requests) {
    const issued = await h.deps.pki.issue(
      {
        agency: FOREIGN.code,
        profile: r.profile,
        username: r.username,
        commonName: r.commonName,
        organisation: FOREIGN.name,
      },
      now,
      'subscriber',
    );
    const ours = join(dir, `${r.nick}.p12`);
    writeFileSync(ours, await exportPkcs12(issued.privateKey, issued.chain, 'pw'));
    const pem = join(dir, `${r.nick}.pem`);
    run('openssl', ['pkcs12', '-in', ours, '-passin', 'pass:pw', '-nodes', '-out', pem]);
    const repacked = join(dir, `${r.nick}-nss.p12`);
    run('openssl', [
      'pkcs12',
      '-export',
      '-in',
      pem,
      '-passout',
      'pass:pw',
      '-name',
      r.nick,
      '-out',
      repacked,
    ]);
    run('pk12util', ['-i', repacked, '-d', db, '-W', 'pw']);
  }
  const files = ['unsigned', 'personal', 'organisation'].map((n) => join(dir, `${n}.pdf`));
  writeFileSync(files[0]!, pdf);
  run('pdfsig', ['-nssdir', db, '-add-signature', '-nick', 'personal', files[0]!, files[1]!]);
  run('pdfsig', ['-nssdir', db, '-add-signature', '-nick', 'organisation', files[1]!, files[2]!]);
  return readFileSync(files[2]!);
}

describe('verification on receipt of files from other tools', () => {
  it('answers 02 within seconds to an unreadable PDF, with the reason, and keeps the record', async () => {
    const garbage = Buffer.from(
      '%PDF-1.7\n%\xe2\xe3\xcf\xd3\nthis file has no objects and no trailer\n%%EOF\n',
      'latin1',
    );
    const env = envelopeFor(garbage, 'Tệp PDF hỏng');
    const started = Date.now();
    await deliver(env, garbage);
    const r = await received(env.messageId, (v) => v.statusCode === '02', '02 for an unreadable PDF');
    // A retried activity would back off for seconds per attempt; the answer comes from the first attempt.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.state).toBe('REJECTED');
    expect(r.reason).toMatch(/^UNREADABLE_PDF: /);
    expect(r.verification).toMatchObject({
      ok: false,
      hashMatches: true,
      verdict: { code: 'UNREADABLE_PDF' },
    });
    expect(r.subject).toBe('Tệp PDF hỏng');
  }, 60_000);

  it('answers 01 to a PDF signed by poppler pdfsig with certificates of the province CA', async () => {
    const signed = await signWithPdfsig(await makePdf('Cong van ky bang pdfsig'));
    const env = envelopeFor(signed, 'Công văn ký bằng công cụ khác');
    await deliver(env, signed);
    const r = await received(
      env.messageId,
      (v) => v.verification && v.statusCode !== '00',
      'an answer to a pdfsig-signed PDF',
    );
    expect({ statusCode: r.statusCode, reason: r.reason }).toEqual({ statusCode: '01', reason: undefined });
    expect(r.verification).toMatchObject({ ok: true, hashMatches: true });
  }, 90_000);
});
