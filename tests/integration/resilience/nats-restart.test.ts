import { incomingId } from '../../../schemas/document';
import { RECIPIENTS, SENDER } from '../exchange/support';
import { user } from '../helpers/harness';
import {
  NatsServer,
  WorkerProcess,
  completed,
  inboxItems,
  must,
  oneTo,
  outgoingItems,
  receiveFully,
  signedDocument,
  startResilienceApi,
  waitUntil,
  type ResilienceApi,
} from './support';

// This file's own NATS server (JetStream file store, fsync always), stopped and started again on the same port and
// store dir while documents are in flight; the API in this process and the worker process reconnect by themselves.
let nats: NatsServer;
let api: ResilienceApi;
let worker: WorkerProcess;
const s = SENDER.code;

beforeAll(async () => {
  nats = await NatsServer.create();
  await nats.start();
  api = await startResilienceApi({
    natsUrl: nats.url,
    env: { EXCHANGE_ACK_TIMEOUT_SECONDS: '3', EXCHANGE_MAX_RESENDS: '8', EXCHANGE_BACKOFF_MS: '100,300' },
  });
  await api.startConsumers();
  worker = new WorkerProcess(api.workerEnv);
  await worker.start();
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  await api?.close();
  await nats?.dispose();
});

describe('a NATS server restarted mid-flow', () => {
  it('loses nothing and delivers every document to every recipient exactly once', async () => {
    const first = await signedDocument(api, s, RECIPIENTS, 'Thông báo gửi trước khi khởi động lại NATS');
    const second = await signedDocument(api, s, RECIPIENTS, 'Thông báo phát hành ngay trước khi NATS dừng');
    expect((await must(api, user('clerk', s), 'POST', `/documents/${first}/issue`, {})).number).toBe(1);
    // The first document's envelopes are in the stream; the second is issued and its dispatch is under way.
    await waitUntil(async () => {
      const doc = await must(api, user('drafter', s), 'GET', `/documents/${first}`);
      return (
        doc.history.filter((e: { event: string }) => e.event === 'document.dispatched').length ===
        RECIPIENTS.length
      );
    }, 'dispatch of the first document');
    expect((await must(api, user('clerk', s), 'POST', `/documents/${second}/issue`, {})).number).toBe(2);
    await nats.stop();
    await new Promise((r) => setTimeout(r, 2_000));
    await nats.start();

    for (const id of [first, second]) {
      const numbers = [];
      for (const r of RECIPIENTS) numbers.push(await receiveFully(api, r, incomingId(s, id)));
      expect(new Set(numbers).size).toBe(1);
      const done = await completed(api, s, id);
      expect(done.recipients.map((r: { statusCode: string }) => r.statusCode)).toEqual(['06', '06', '06']);
    }

    const sent = await outgoingItems(api, s);
    expect(sent.map((d) => d.number).sort((a, b) => a - b)).toEqual(oneTo(2));
    for (const r of RECIPIENTS) {
      const items = await inboxItems(api, r);
      for (const id of [first, second])
        expect(items.filter((i) => i.id === incomingId(s, id))).toHaveLength(1);
      expect(items.map((i) => i.incomingNumber).sort((a, b) => a - b)).toEqual(oneTo(2));
    }
    expect(await must(api, 'admin', 'GET', '/audit/verify')).toMatchObject({ ok: true, firstBreak: null });
  }, 90_000);
});
