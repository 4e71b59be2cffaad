import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { ExchangeActivityDeps } from '../../activities/exchange/shared';
import { createTransportActivities } from '../../activities/exchange/transport';
import { documentBucket, ensureAgencyConsumer } from '../../infra/exchange-nats';
import {
  PROVINCE_JS_DOMAIN,
  attachLeafToHub,
  ensureLeafStreams,
  hubLeafnodeConfig,
  leafInboxStream,
  leafNatsPassword,
  leafNatsUser,
  renderLeafNodeConfig,
} from '../../infra/leaf-node';
import { connectMongo, type MongoHandle } from '../../infra/mongo';
import { natsAuthorizationConfig } from '../../infra/nats-auth';
import { connectNats, type NatsConnection } from '../../infra/nats';
import { freePort } from '../../scripts/lib/stack';
import {
  DEFAULT_EXCHANGE_NAMES as names,
  DOCUMENT_BUCKET,
  ENVELOPE_VERSION,
  STATUS_VERSION,
  edxmlDocumentId,
  parseEnvelope,
  parseStatusMessage,
  type Envelope,
  type StatusMessage,
} from '../../schemas/edxml';
import type { StatusCode } from '../../schemas/document';
import { FileStore } from '../../store/file-store';
import { NatsProcess } from './helpers/nats-process';
import { testStack } from './helpers/stack-info';
import { TcpProxy } from './helpers/tcp-proxy';

// A province hub (JetStream domain "province") and the leaf node of xã Tân Phú (its own domain), both real
// nats-servers in a temp dir, linked through a TCP proxy this test cuts and restores. The commune publishes with the
// project's transport activities against its LOCAL server; the province's recipients publish statuses at the hub.
const COMMUNE = { code: '000.01.01.H29', name: 'Ủy ban nhân dân xã Tân Phú' };
const PROVINCE = { code: '000.00.00.H29', name: 'Ủy ban nhân dân tỉnh' };
const DEPARTMENT = { code: '000.00.32.H29', name: 'Sở Nội vụ' };
const SECRET = 'leaf-test-secret';
const SYSTEM = { user: 'lienthong', password: randomUUID() };

let dir: string;
let hub: NatsProcess;
let leaf: NatsProcess;
let proxy: TcpProxy;
let hubNats: NatsConnection;
let leafNats: NatsConnection;
let mongo: MongoHandle;
let files: FileStore;
let commune: ReturnType<typeof createTransportActivities>;
let province: ReturnType<typeof createTransportActivities>;

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The transport activities over one NATS connection; they touch only `db` (the file store) and `nats`. */
function transport(nats: NatsConnection): ReturnType<typeof createTransportActivities> {
  const deps: Partial<ExchangeActivityDeps> = { db: mongo.db, nats, clock: () => new Date() };
  return createTransportActivities(deps as ExchangeActivityDeps);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lienthong-leaf-'));
  const ports = {
    hub: await freePort(),
    hubMonitor: await freePort(),
    hubLeaf: await freePort(),
    leaf: await freePort(),
    leafMonitor: await freePort(),
  };
  mkdirSync(join(dir, 'hub'));
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: ports.hubLeaf });
  hub = await NatsProcess.start({
    name: 'hub',
    dir,
    port: ports.hub,
    monitorPort: ports.hubMonitor,
    config: [
      'server_name: province-hub',
      `listen: 127.0.0.1:${ports.hub}`,
      `http: 127.0.0.1:${ports.hubMonitor}`,
      'max_payload: 1MB',
      `jetstream { store_dir: ${JSON.stringify(join(dir, 'hub'))}, domain: ${PROVINCE_JS_DOMAIN}, sync_interval: always }`,
      hubLeafnodeConfig({
        listen: { host: '127.0.0.1', port: ports.hubLeaf },
        // Else the hub tells the leaf its own leafnode address and the leaf reconnects around the proxy.
        advertise: `127.0.0.1:${proxy.port}`,
      }),
      natsAuthorizationConfig({
        agencies: [],
        system: SYSTEM,
        leaves: [{ code: COMMUNE.code, password: leafNatsPassword(SECRET, COMMUNE.code) }],
      }),
      '',
    ].join('\n'),
  });
  leaf = await NatsProcess.start({
    name: 'leaf',
    dir,
    port: ports.leaf,
    monitorPort: ports.leafMonitor,
    config: renderLeafNodeConfig({
      agency: COMMUNE.code,
      hubUrls: [`nats://127.0.0.1:${proxy.port}`],
      hubUser: leafNatsUser(COMMUNE.code),
      hubPassword: leafNatsPassword(SECRET, COMMUNE.code),
      listen: { host: '127.0.0.1', port: ports.leaf },
      monitorPort: ports.leafMonitor,
      storeDir: join(dir, 'leaf'),
      reconnectSeconds: 1,
    }),
  });
  hubNats = await connectNats({ url: hub.url, ...SYSTEM, name: 'leaf-test-province' });
  leafNats = await connectNats({ url: leaf.url, name: 'leaf-test-commune' });
  mongo = await connectMongo(testStack().mongoUri, `lienthong_leaf_${randomUUID().slice(0, 8)}`);
  files = new FileStore(mongo.db);
  commune = transport(leafNats);
  province = transport(hubNats);
  await waitUntil(async () => (await leaf.leafConnections()) === 1, 'the leaf link', 20_000);
  await ensureLeafStreams(leafNats, COMMUNE.code);
  await attachLeafToHub(hubNats, COMMUNE.code);
}, 60_000);

afterAll(async () => {
  await leafNats?.close();
  await hubNats?.close();
  await mongo?.db.dropDatabase().catch(() => undefined);
  await mongo?.close();
  await proxy?.close();
  await leaf?.stop();
  await hub?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Document `n` of the commune to `to`: its PDF in the commune's file store and its edXML envelope. */
async function outgoing(n: number, to: { code: string; name: string }, bytes: Uint8Array) {
  const file = await files.put(bytes, { fileName: `cong-van-${n}.pdf` });
  const envelope: Envelope = {
    version: ENVELOPE_VERSION,
    messageId: `leaf-doc-${n}`,
    from: COMMUNE,
    to: [to],
    documentId: edxmlDocumentId(COMMUNE.code, '2026-11-30', n, 'UBND'),
    code: { number: n, notation: 'UBND' },
    promulgationInfo: { place: 'Tân Phú', date: '2026-11-30' },
    documentType: { code: 'CV', name: 'Công văn' },
    subject: `Báo cáo số ${n} của xã Tân Phú về tình hình thiên tai`,
    signerInfo: { competence: 'TM. ỦY BAN NHÂN DÂN', position: 'Chủ tịch', fullName: 'Nguyễn Văn Bình' },
    priority: 0,
    attachments: [
      {
        name: `Công văn ${n}.pdf`,
        contentType: 'application/pdf',
        sha256: file.sha256,
        size: file.size,
        ref: `${DOCUMENT_BUCKET}/${file.sha256}`,
      },
    ],
    businessDocType: 0,
    sentAt: '2026-11-30T08:00:00+07:00',
    attempt: 1,
  };
  expect(parseEnvelope(JSON.parse(JSON.stringify(envelope))).ok).toBe(true);
  return { envelope, recipient: to.code, file, bytes };
}

/** The Nats-Msg-Id a dispatch of `doc` publishes (transport.ts). */
const dispatchId = (doc: Awaited<ReturnType<typeof outgoing>>) =>
  `${COMMUNE.code}:${doc.envelope.messageId}:${doc.recipient}:1`;

/** A status of a province recipient about one of the commune's documents. */
function statusFor(n: number, from: { code: string; name: string }, code: StatusCode, reason?: string) {
  const status: StatusMessage = {
    version: STATUS_VERSION,
    messageId: `leaf-doc-${n}`,
    edxmlDocumentId: edxmlDocumentId(COMMUNE.code, '2026-11-30', n, 'UBND'),
    from,
    to: COMMUNE.code,
    statusCode: code,
    reason,
    at: '2026-11-30T09:00:00+07:00',
  };
  return { status, msgId: `${from.code}:leaf-doc-${n}:${code}` };
}

/** Nats-Msg-Ids of a stream's messages, in stream order, with their subjects and bodies. */
async function streamMessages(jsm: JetStreamManager, stream: string) {
  const info = await jsm.streams.info(stream);
  const out: { id: string; subject: string; body: Record<string, unknown> }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
    if (m) out.push({ id: m.header.get('Nats-Msg-Id'), subject: m.subject, body: m.json() });
  }
  return out;
}

/** Ids of what came from the commune (its envelopes and statuses) in the province's exchange stream. */
async function atProvince(): Promise<string[]> {
  const all = await streamMessages(await jetstreamManager(hubNats), names.stream);
  return all.filter((m) => m.id.startsWith(`${COMMUNE.code}:`)).map((m) => m.id);
}

/** The statuses in the commune's local inbox, in order. */
async function atCommune(): Promise<{ id: string; status: StatusMessage }[]> {
  const all = await streamMessages(await jetstreamManager(leafNats), leafInboxStream());
  return all.map((m) => {
    const parsed = parseStatusMessage(m.body);
    if (!parsed.ok) throw new Error(parsed.reason);
    return { id: m.id, status: parsed.value };
  });
}

async function linkIs(up: boolean): Promise<void> {
  await waitUntil(
    async () =>
      (await leaf.leafConnections()) === (up ? 1 : 0) && (await hub.leafConnections()) === (up ? 1 : 0),
    `the leaf link ${up ? 'up' : 'down'}`,
    30_000,
  );
}

const smallPdf = (n: number) =>
  new TextEncoder().encode(`%PDF-1.7\n% Công văn ${n}\n${randomUUID()}\n%%EOF\n`);

type Outgoing = Awaited<ReturnType<typeof outgoing>>;

/** Messages in the commune's local documents bucket (its chunks and metadata). */
async function localObjectMessages(): Promise<number> {
  return (await (await jetstreamManager(leafNats)).streams.info(`OBJ_${DOCUMENT_BUCKET}`)).state.messages;
}

describe('a commune on its own NATS leaf node', () => {
  /** What the commune published, in order: the Nats-Msg-Ids the province must hold, once each, in this order. */
  const sent: string[] = [];
  const docs = new Map<number, Outgoing>();

  it('keeps sending while its link is cut; on return everything reaches the province once and in order', async () => {
    const first = await outgoing(1, PROVINCE, smallPdf(1));
    docs.set(1, first);
    expect((await commune.dispatchToRecipient(first)).duplicate).toBe(false);
    sent.push(dispatchId(first));
    await waitUntil(async () => (await atProvince()).length === 1, 'document 1 at the province');
    await province.sendStatus(statusFor(1, PROVINCE, '01'));
    await waitUntil(async () => (await atCommune()).length === 1, 'the first status at the commune');

    // The link drops in the middle of sending a 2 MiB document, once its first chunks are in the commune's bucket.
    const large = await outgoing(2, DEPARTMENT, new Uint8Array(randomBytes(2 * 1024 * 1024)));
    docs.set(2, large);
    const chunksBefore = await localObjectMessages();
    const sending = commune.dispatchToRecipient(large);
    await waitUntil(
      async () => (await localObjectMessages()) >= chunksBefore + 3,
      'the first chunks',
      10_000,
    );
    proxy.cut();
    expect((await sending).duplicate).toBe(false);
    sent.push(dispatchId(large));
    await linkIs(false);

    // Cut off: every publish still gets its local JetStream ack; a retried publish is recognised locally.
    for (let n = 3; n <= 6; n++) {
      const doc = await outgoing(n, n % 2 ? PROVINCE : DEPARTMENT, smallPdf(n));
      docs.set(n, doc);
      expect((await commune.dispatchToRecipient(doc)).duplicate).toBe(false);
      sent.push(dispatchId(doc));
    }
    expect((await commune.dispatchToRecipient(docs.get(4)!)).duplicate).toBe(true);
    const ownStatus = {
      status: { ...statusFor(9, COMMUNE, '01').status, messageId: 'so-noi-vu-1', to: DEPARTMENT.code },
      msgId: `${COMMUNE.code}:so-noi-vu-1:01`,
    };
    expect((await commune.sendStatus(ownStatus)).duplicate).toBe(false);
    sent.push(ownStatus.msgId);

    // Meanwhile the province's recipients report on document 1, in this order.
    const reports = [
      statusFor(1, PROVINCE, '03'),
      statusFor(1, PROVINCE, '04'),
      statusFor(1, PROVINCE, '05'),
      statusFor(1, DEPARTMENT, '02', 'Sai thể thức văn bản, đề nghị xã Tân Phú ban hành lại'),
    ];
    for (const report of reports) expect((await province.sendStatus(report)).duplicate).toBe(false);
    expect((await province.sendStatus(reports[0]!)).duplicate).toBe(true);

    // Nothing crosses while the link is down (the leaf keeps retrying through the dead proxy).
    await waitUntil(async () => proxy.refused > 1, 'the leaf to try its link again');
    expect(sent.slice(0, 2)).toEqual(expect.arrayContaining(await atProvince()));
    expect(await atCommune()).toHaveLength(1);

    proxy.restore();
    await linkIs(true);
    await waitUntil(
      async () => (await atProvince()).length >= sent.length,
      'the queue at the province',
      60_000,
    );
    await waitUntil(async () => (await atCommune()).length >= 5, 'the statuses at the commune', 60_000);

    expect(await atProvince()).toEqual(sent);
    const statuses = await atCommune();
    expect(statuses.map((s) => s.id)).toEqual([statusFor(1, PROVINCE, '01'), ...reports].map((r) => r.msgId));
    expect(statuses[4]!.status.from.name).toBe('Sở Nội vụ');
    expect(statuses[4]!.status.reason).toBe('Sai thể thức văn bản, đề nghị xã Tân Phú ban hành lại');

    // Every document's bytes reached the province's Object Store intact, the one cut mid-copy included.
    const bucket = await documentBucket(hubNats);
    for (const doc of docs.values()) {
      await waitUntil(async () => (await bucket.info(doc.file.sha256))?.size === doc.bytes.length, 'a PDF');
      expect(sha256((await bucket.getBlob(doc.file.sha256))!)).toBe(doc.file.sha256);
    }

    // The department's consumer at the province reads what the commune sent it, in the order it was sent.
    const durable = await ensureAgencyConsumer(hubNats, DEPARTMENT.code);
    const consumer = await jetstream(hubNats).consumers.get(names.stream, durable);
    const read: string[] = [];
    for await (const m of await consumer.fetch({ max_messages: 10, expires: 2_000 })) {
      read.push(m.headers?.get('Nats-Msg-Id') ?? '');
      m.ack();
    }
    expect(read).toEqual([2, 4, 6].map((n) => dispatchId(docs.get(n)!)).concat(ownStatus.msgId));
  }, 180_000);

  it('keeps Nats-Msg-Id dedupe across a reconnect: retries are recognised by the commune and never reach the province', async () => {
    // A retry, after the link returned, of a document queued while it was down.
    expect((await commune.dispatchToRecipient(docs.get(5)!)).duplicate).toBe(true);

    proxy.cut();
    await linkIs(false);
    // Cut off again: a retry of document 6 (copied to the province after the last reconnect), then document 7,
    // then a retry of document 7 (its first ack lost, say) before the link returns.
    const seventh = await outgoing(7, PROVINCE, smallPdf(7));
    expect((await commune.dispatchToRecipient(docs.get(6)!)).duplicate).toBe(true);
    expect((await commune.dispatchToRecipient(seventh)).duplicate).toBe(false);
    expect((await commune.dispatchToRecipient(seventh)).duplicate).toBe(true);
    proxy.restore();
    await linkIs(true);
    const eighth = await outgoing(8, DEPARTMENT, smallPdf(8));
    expect((await commune.dispatchToRecipient(eighth)).duplicate).toBe(false);
    sent.push(dispatchId(seventh), dispatchId(eighth));
    await waitUntil(async () => (await atProvince()).length >= sent.length, 'documents 7 and 8', 60_000);

    expect(await atProvince()).toEqual(sent);
    // The commune's node is the exchange stream's only source, and it is caught up.
    const info = await (await jetstreamManager(hubNats)).streams.info(names.stream);
    expect(info.sources?.map((s) => [s.name, s.lag, s.error])).toEqual([[names.stream, 0, undefined]]);
  }, 120_000);
  it("cannot read another agency's messages or documents at the province through its node", async () => {
    // The department's copy of a document from the province, at the province.
    const ack = await jetstream(hubNats).publish(
      `${names.subjectPrefix}.000_00_33_h29.inbox`,
      '{"bí mật":1}',
      {
        msgID: randomUUID(),
      },
    );
    const province = await jetstreamManager(leafNats, {
      domain: PROVINCE_JS_DOMAIN,
      checkAPI: false,
      timeout: 2_000,
    });
    await expect(province.streams.getMessage(names.stream, { seq: ack.seq })).rejects.toThrow();
    await expect(province.streams.info(`OBJ_${DOCUMENT_BUCKET}`)).rejects.toThrow();
    // A consumer over the department's subjects, asked for through the commune's node: refused.
    await expect(
      province.consumers.add(names.stream, {
        name: 'nosy',
        filter_subject: `${names.subjectPrefix}.000_00_33_h29.>`,
        ack_policy: AckPolicy.None,
      }),
    ).rejects.toThrow();
    // The system user at the province reads it: the link is closed to it, the message is there.
    const own = await jetstreamManager(hubNats);
    expect((await own.streams.getMessage(names.stream, { seq: ack.seq }))?.subject).toContain(
      '000_00_33_h29',
    );
  }, 60_000);
});
