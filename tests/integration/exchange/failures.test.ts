import { createHash, randomUUID } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { createExchangeActivities } from '../../../activities/exchange';
import { documentBucket } from '../../../infra/exchange-nats';
import { Collections } from '../../../schemas/constants';
import { ExchangeCollections, incomingId } from '../../../schemas/document';
import { exchangeNames, inboxSubject, type Envelope } from '../../../schemas/edxml';
import { DocumentStore } from '../../../store/document-store';
import { api, startHarness, user, waitFor, type Api, type Harness } from '../helpers/harness';
import { RECIPIENTS, SENDER, createDraft, signedDocument } from './support';

let h: Harness;
let a: Api;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  h = await startHarness({
    exchange: true,
    env: {
      EXCHANGE_ACK_TIMEOUT_SECONDS: '2',
      EXCHANGE_MAX_RESENDS: '1',
      EXCHANGE_MAX_DELIVER: '3',
      EXCHANGE_BACKOFF_MS: '100,200',
    },
    pki: true,
  });
  a = api(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const R0 = RECIPIENTS[0]!;

/** Issues a signed document as the sender's clerk. */
async function issue(id: string): Promise<{ number: number }> {
  const res = await a.call(user('clerk', SENDER.code), 'POST', `/documents/${id}/issue`, {});
  if (res.status !== 200) throw new Error(`issue failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** The envelope a recipient received, read back from the exchange stream. */
async function envelopeOf(messageId: string): Promise<Envelope> {
  const names = exchangeNames(h.config.exchange.namespace);
  const js = jetstream(h.workerNats);
  const consumer = await js.consumers.get(names.stream, { filter_subjects: [inboxSubject(R0, names)] });
  for (;;) {
    const m = await consumer.next({ expires: 2_000 });
    if (!m) throw new Error(`no envelope for ${messageId}`);
    const env = JSON.parse(new TextDecoder().decode(m.data)) as Envelope;
    if (env.messageId === messageId) return env;
  }
}

/** Publishes an envelope as a (possibly hostile) sender would, with its payload put in the Object Store. */
async function publishForged(env: Envelope, payload: Uint8Array, msgId = randomUUID()): Promise<void> {
  const names = exchangeNames(h.config.exchange.namespace);
  const bucket = await documentBucket(h.workerNats, names);
  const name = env.attachments[0]!.ref.split('/')[1]!;
  await bucket.putBlob({ name }, payload);
  await jetstream(h.workerNats).publish(inboxSubject(R0, names), JSON.stringify(env), { msgID: msgId });
}

describe('exchange failure paths', () => {
  it('auto-rejects with 02 a payload whose bytes differ from the envelope, and one whose signature was broken', async () => {
    const id = await signedDocument(a, 'Thông báo lịch tiếp công dân');
    await issue(id);
    const original = await envelopeOf(id);
    const sent = await a.call(user('drafter', SENDER.code), 'GET', `/documents/${id}/file`);
    const bytes = Buffer.from(sent.raw);

    // 1. The object's bytes do not match the SHA-256 the envelope announces.
    const tampered = Buffer.from(bytes);
    tampered[200] ^= 0x01;
    const forged1: Envelope = {
      ...original,
      messageId: randomUUID(),
      attachments: [{ ...original.attachments[0]!, ref: `x/forged-${randomUUID()}` }],
    };
    await publishForged(forged1, tampered);
    const r1 = await h.waitForInbox(
      R0,
      incomingId(SENDER.code, forged1.messageId),
      (v) => v.statusCode === '02',
      {
        what: 'auto-rejection of a hash mismatch',
      },
    );
    expect(r1.state).toBe('REJECTED');
    expect(r1.reason).toMatch(/^HASH_FAILURE/);
    expect(r1.verification).toMatchObject({ ok: false, hashMatches: false });

    // 2. Consistent hash, but a byte inside the signed range changed: the signature check fails.
    const forged2: Envelope = {
      ...original,
      messageId: randomUUID(),
      attachments: [
        {
          ...original.attachments[0]!,
          sha256: sha256(tampered),
          ref: `x/${sha256(tampered)}`,
        },
      ],
    };
    await publishForged(forged2, tampered);
    const r2 = await h.waitForInbox(
      R0,
      incomingId(SENDER.code, forged2.messageId),
      (v) => v.statusCode === '02',
      {
        what: 'auto-rejection of a broken signature',
      },
    );
    expect(r2.verification).toMatchObject({ ok: false, hashMatches: true });
    expect(r2.reason).toMatch(/HASH_FAILURE|SIG_CRYPTO_FAILURE|FORMAT_FAILURE/);
    // The clerk cannot accept an auto-rejected document.
    expect(
      (
        await a.call(
          user('clerk', R0),
          'POST',
          `/inbox/${incomingId(SENDER.code, forged2.messageId)}/accept`,
          {},
        )
      ).status,
    ).toBe(409);
  }, 90_000);

  it("rejects at every recipient a document whose signer's key was compromised before it signed", async () => {
    const id = await signedDocument(a, 'Công văn về việc báo cáo số liệu', [R0]);
    const cert = await h.deps.pki.activeCertificate(
      { agency: SENDER.code, profile: 'personal', username: user('signer', SENDER.code) },
      new Date(),
    );
    // Dated a minute before the signature: the signature's time-stamp cannot prove it came first. (Revoked after
    // the time-stamp, the document stays valid, as ETSI EN 319 102-1 has it; a revocation dated "now" fell in the
    // time-stamp's second or the next one by chance, and CRL dates have whole seconds, so the outcome was a coin toss.)
    await h.deps.pki.revoke(cert!.serialHex, 'keyCompromise', new Date(Date.now() - 60_000));
    await issue(id);
    const item = await h.waitForInbox(R0, incomingId(SENDER.code, id), (v) => v.statusCode === '02', {
      what: 'rejection of a revoked signer',
    });
    expect(item.reason).toMatch(/REVOKED/);
    const doc = await h.waitForOutgoing(SENDER.code, id, (d) => d.state === 'COMPLETED');
    expect(doc.recipients[0]).toMatchObject({ agency: R0, statusCode: '02' });
    expect(doc.recipients[0].reason).toMatch(/REVOKED/);
    // The signer now holds no usable key: a server-held signature is refused with the domain code.
    const next = await createDraft(a, 'Văn bản sau khi thu hồi chứng thư', [R0]);
    await a.call(user('drafter', SENDER.code), 'POST', `/documents/${next}/submit`, {});
    await a.call(user('approver', SENDER.code), 'POST', `/documents/${next}/approve`, {});
    const refused = await a.call(user('signer', SENDER.code), 'POST', `/documents/${next}/sign`, {});
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('CERT_REVOKED');
    // Re-issue the signer's certificate for the following tests.
    const signer = await h.deps.identity.getUser(user('signer', SENDER.code));
    await h.deps.pki.ensureAgencyCertificates(SENDER, [signer!], new Date(Date.now() - 60_000));
  }, 90_000);

  it('keeps the number taken when the organisation signature fails, and issues with it once the seal is back', async () => {
    const id = await signedDocument(a, 'Thông báo lịch tiếp công dân', [R0]);
    const org = await h.deps.pki.activeCertificate(
      { agency: SENDER.code, profile: 'organisation' },
      new Date(),
    );
    await h.deps.pki.revoke(org!.serialHex, 'superseded', new Date());
    const refused = await a.call(user('clerk', SENDER.code), 'POST', `/documents/${id}/issue`, {});
    expect(refused.status).toBe(422);
    const held = await a.call(user('clerk', SENDER.code), 'GET', `/documents/${id}`);
    expect(held.body.state).toBe('SIGNED');
    expect(held.body.number).toBeGreaterThanOrEqual(1);
    // A new organisation certificate: the next attempt keeps the number and seals.
    await h.deps.pki.ensureAgencyCertificates(SENDER, [], new Date(Date.now() - 60_000));
    const issued = await issue(id);
    expect(issued.number).toBe(held.body.number);
    const events = await a.call(user('drafter', SENDER.code), 'GET', `/audit?documentId=${id}`);
    const types = events.body.items.map((e: { type: string }) => e.type);
    expect(types.filter((t: string) => t === 'document.numbered')).toHaveLength(1);
    expect(types.filter((t: string) => t === 'document.sealed')).toHaveLength(1);
  }, 90_000);

  it('creates one incoming record when the same envelope is delivered again', async () => {
    const id = await signedDocument(a, 'Giấy mời dự họp', [R0]);
    await issue(id);
    await h.waitForInbox(R0, incomingId(SENDER.code, id), () => true, { what: 'first delivery' });
    const env = await envelopeOf(id);
    const names = exchangeNames(h.config.exchange.namespace);
    const js = jetstream(h.workerNats);
    // Same Nats-Msg-Id: the server drops it.
    const same = await js.publish(inboxSubject(R0, names), JSON.stringify(env), {
      msgID: `${env.from.code}:${env.messageId}:${R0}:${env.attempt}`,
    });
    expect(same.duplicate).toBe(true);
    // A new message id (a resend): delivered, but the workflow id is taken, so nothing new starts.
    const again = await js.publish(inboxSubject(R0, names), JSON.stringify({ ...env, attempt: 2 }), {
      msgID: randomUUID(),
    });
    expect(again.duplicate).toBe(false);
    await waitFor(async () => {
      const info = await (
        await js.consumers.get(names.stream, `agency-${R0.replace(/\./g, '-').toLowerCase()}`)
      ).info();
      return info.num_pending === 0 && info.num_ack_pending === 0 ? true : undefined;
    }, 'consumer drained');
    expect(await new DocumentStore(h.deps.db!).countIncoming({ agency: R0, messageId: id })).toBe(1);
  }, 60_000);

  it('gives a document one number however often the numbering activity runs, and numbers without gaps', async () => {
    const acts = createExchangeActivities({
      db: h.deps.db!,
      nats: h.workerNats,
      audit: h.deps.audit,
      pki: h.deps.pki,
      clock: () => new Date(),
    });
    const agency = '000.01.02.H29';
    const first = await acts.assignOutgoingNumber({ agency, year: 2031, documentKey: 'doc:a' });
    const twice = await Promise.all([
      acts.assignOutgoingNumber({ agency, year: 2031, documentKey: 'doc:a' }),
      acts.assignOutgoingNumber({ agency, year: 2031, documentKey: 'doc:a' }),
    ]);
    expect(twice).toEqual([first, first]);
    const others = await Promise.all(
      ['doc:b', 'doc:c', 'doc:d', 'doc:e'].map((documentKey) =>
        acts.assignOutgoingNumber({ agency, year: 2031, documentKey }),
      ),
    );
    expect([first, ...others].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5]);
    // Another year starts again at 1.
    expect(await acts.assignOutgoingNumber({ agency, year: 2032, documentKey: 'doc:a' })).toBe(1);
  }, 30_000);

  it('signs in two phases for a token holder and refuses a signature that does not match', async () => {
    const s = SENDER.code;
    const id = await createDraft(a, 'Tờ trình phê duyệt dự toán', [R0]);
    await a.call(user('drafter', s), 'POST', `/documents/${id}/submit`, {});
    await a.call(user('approver', s), 'POST', `/documents/${id}/approve`, {});
    const req = await a.call(user('signer', s), 'GET', `/documents/${id}/signing-request`);
    expect(req.status).toBe(200);
    expect(req.body.hash).toBe('SHA-256');
    // Asking again returns the same request (the token may retry).
    expect((await a.call(user('signer', s), 'GET', `/documents/${id}/signing-request`)).body).toEqual(
      req.body,
    );
    const bad = await a.call(user('signer', s), 'POST', `/documents/${id}/signature`, {
      signatureValue: Buffer.alloc(256, 7).toString('base64'),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('SIGNATURE_INVALID');
    // The "token": the signer's key, used outside the server's signing step.
    const token = await h.deps.pki.signerFor(
      { agency: s, profile: 'personal', username: user('signer', s) },
      new Date(),
    );
    const value = await token.sign(Buffer.from(req.body.toBeSigned, 'base64'), { hash: 'SHA-256' });
    const ok = await a.call(user('signer', s), 'POST', `/documents/${id}/signature`, {
      signatureValue: Buffer.from(value).toString('base64'),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('SIGNED');
    await issue(id);
    const item = await h.waitForInbox(R0, incomingId(s, id), (v) => !!v.verification, {
      what: 'receipt of the deferred-signed document',
    });
    expect(item.verification).toMatchObject({ ok: true });
  }, 90_000);

  it('resends when no 01 arrives and flags SEND_FAILED after the last attempt', async () => {
    // A registered agency without a running consumer never answers.
    const silent = {
      ...SENDER,
      code: '000.01.99.H29',
      name: 'Ủy ban nhân dân xã Im Lặng',
      shortName: 'UBND xã Im Lặng',
    };
    await h.deps.identity.upsertAgency(silent);
    const id = await signedDocument(a, 'Thông báo gửi cơ quan không phản hồi', [silent.code]);
    await issue(id);
    const doc = await h.waitForOutgoing(SENDER.code, id, (d) => d.state === 'COMPLETED', {
      what: 'SEND_FAILED',
      timeoutMs: 20_000,
    });
    expect(doc.recipients[0]).toMatchObject({ agency: silent.code, statusCode: 'SEND_FAILED', attempts: 2 });
    expect(doc.sendFailed).toBe(true);
    const types = doc.history.map((e: { event: string }) => e.event);
    expect(types).toEqual(
      expect.arrayContaining(['document.dispatched', 'document.resent', 'document.send_failed']),
    );
  }, 60_000);

  it('dead-letters an envelope of an unknown version, visible to operators', async () => {
    const names = exchangeNames(h.config.exchange.namespace);
    await jetstream(h.workerNats).publish(
      inboxSubject(R0, names),
      JSON.stringify({ version: 'lienthong.edxml/9', messageId: 'x' }),
      { msgID: randomUUID() },
    );
    const letters = await waitFor(async () => {
      const l = await new DocumentStore(h.deps.db!).listDeadLetters(R0);
      return l.find((x) => /unsupported envelope version/.test(x.reason));
    }, 'dead letter');
    expect(letters.reason).toContain('lienthong.edxml/9');
    const dlq = await (await import('@nats-io/jetstream')).jetstreamManager(h.workerNats);
    expect((await dlq.streams.info(names.dlqStream)).state.messages).toBeGreaterThan(0);
  }, 30_000);

  it('detects an edited and a deleted audit event', async () => {
    const verify = () => a.call('admin', 'GET', '/audit/verify');
    expect((await a.call(user('clerk', R0), 'GET', '/audit/verify')).status).toBe(403);
    const before = await verify();
    expect(before.body).toMatchObject({ ok: true, firstBreak: null });
    expect(before.body.checked).toBeGreaterThan(20);
    const events = h.deps.db!.collection(Collections.auditEvents);
    const victim = await events.findOne({ agency: SENDER.code, seq: 3 });
    await events.updateOne({ _id: victim!._id }, { $set: { 'details.reason': 'sửa trái phép' } });
    const edited = await verify();
    expect(edited.body.ok).toBe(false);
    expect(edited.body.firstBreak).toMatchObject({ agency: SENDER.code, seq: 3, reason: 'HASH_MISMATCH' });
    await events.updateOne({ _id: victim!._id }, { $set: { details: victim!.details } });
    expect((await verify()).body.ok).toBe(true);
    await events.deleteOne({ agency: R0, seq: 2 });
    const deleted = await verify();
    expect(deleted.body.ok).toBe(false);
    expect(deleted.body.firstBreak).toMatchObject({ agency: R0, seq: 2, reason: 'SEQUENCE_GAP' });
    // The incoming register and read models are untouched by audit checks.
    expect(await h.deps.db!.collection(ExchangeCollections.incoming).countDocuments()).toBeGreaterThan(0);
  }, 30_000);
});
