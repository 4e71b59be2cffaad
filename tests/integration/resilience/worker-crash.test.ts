import { documentWorkflowId } from '../../../schemas/document-constants';
import { incomingId } from '../../../schemas/document';
import { RECIPIENTS, SENDER } from '../exchange/support';
import { user } from '../helpers/harness';
import { TcpProxy } from '../helpers/tcp-proxy';
import {
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

// The worker runs in a child process that is SIGKILLed (no graceful shutdown): at points where it holds no running
// activity, and once inside the activities, held there by a database that stopped answering. A kill inside
// an activity is noticed by its missing heartbeats (20 s), not at its start-to-close timeout (2 or 5 minutes).
let api: ResilienceApi;
let worker: WorkerProcess;
const s = SENDER.code;

beforeAll(async () => {
  api = await startResilienceApi({
    // A short ack timeout: reception awareness comes due while the worker is down.
    env: { EXCHANGE_ACK_TIMEOUT_SECONDS: '2', EXCHANGE_MAX_RESENDS: '8', EXCHANGE_BACKOFF_MS: '100,300' },
  });
  await api.startConsumers();
  worker = new WorkerProcess(api.workerEnv);
  await worker.start();
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  await api?.close();
});

/** True once the sender's read model shows a dispatch to every recipient. */
async function dispatchedToAll(id: string): Promise<boolean> {
  const doc = (await api.call(user('drafter', s), 'GET', `/documents/${id}`)).body;
  const dispatched = (doc?.history ?? []).filter((e: { event: string }) => e.event === 'document.dispatched');
  return dispatched.length === RECIPIENTS.length;
}

describe('a worker killed mid-flow and started again', () => {
  const ids: string[] = [];

  it('issues and delivers a document whose worker died after signing, before dispatch', async () => {
    const id = await signedDocument(
      api,
      s,
      RECIPIENTS,
      'Công văn gửi khi worker bị dừng đột ngột sau khi ký',
    );
    ids.push(id);
    await worker.kill();

    // The clerk issues while no worker runs: the request waits, nothing is numbered or sent.
    let settled = false;
    const issuing = api.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {}).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(settled).toBe(false);
    expect((await must(api, user('drafter', s), 'GET', `/documents/${id}`)).state).toBe('SIGNED');

    await worker.start();
    const issued = await issuing;
    expect(issued.status).toBe(200);
    expect(issued.body.number).toBe(1);

    const numbers = [];
    for (const r of RECIPIENTS) numbers.push(await receiveFully(api, r, incomingId(s, id)));
    expect(numbers).toEqual([1, 1, 1]);
    const done = await completed(api, s, id);
    expect(done.recipients.map((r: { statusCode: string }) => r.statusCode)).toEqual(['06', '06', '06']);
  }, 90_000);

  it('delivers exactly once a document whose worker died after dispatch, before any 01', async () => {
    const id = await signedDocument(api, s, RECIPIENTS, 'Công văn gửi khi worker bị dừng sau khi phát hành');
    ids.push(id);
    // The recipients' consumers are not reading yet, so no receipt check runs when the worker dies.
    await api.stopConsumers();
    const issued = await must(api, user('clerk', s), 'POST', `/documents/${id}/issue`, {});
    expect(issued.number).toBe(2);
    await waitUntil(() => dispatchedToAll(id), 'dispatch to every recipient');
    // Let the last dispatch's audit activity report back, so the worker holds nothing but a timer.
    await new Promise((r) => setTimeout(r, 700));
    const before = await must(api, user('drafter', s), 'GET', `/documents/${id}`);
    expect(before.state).toBe('DISPATCHED');
    expect(before.recipients.every((r: { statusCode: string }) => r.statusCode === 'PENDING')).toBe(true);
    await worker.kill();

    // The receiving side reads the envelopes while the worker is down (their workflows start but cannot run) and
    // the sender's ack timeout passes meanwhile.
    await api.startConsumers();
    await new Promise((r) => setTimeout(r, 2_500));
    await worker.start();

    const numbers = [];
    for (const r of RECIPIENTS) numbers.push(await receiveFully(api, r, incomingId(s, id)));
    expect(numbers).toEqual([2, 2, 2]);
    const done = await completed(api, s, id);
    expect(done.recipients.map((r: { statusCode: string }) => r.statusCode)).toEqual(['06', '06', '06']);
  }, 90_000);

  it('retries within the heartbeat timeout the activities of a worker that died inside them', async () => {
    const id = await signedDocument(api, s, RECIPIENTS, 'Công văn gửi khi worker chết giữa lúc ghi sổ');
    ids.push(id);
    await worker.kill();
    // A worker whose database link goes silent: its activities wait on it (no error), until it is killed.
    const database = new URL(api.workerEnv.MONGODB_URI!);
    const link = await TcpProxy.start({ host: database.hostname, port: Number(database.port) });
    const stuck = new WorkerProcess({ ...api.workerEnv, MONGODB_URI: `mongodb://127.0.0.1:${link.port}/` });
    try {
      await stuck.start();
      link.stall();
      const issuing = api.call(user('clerk', s), 'POST', `/documents/${id}/issue`, {});
      const handle = api.deps.temporal!.workflow.getHandle(documentWorkflowId(s, id));
      // Activities a worker has taken (started) and not finished.
      const runningActivities = async () =>
        ((await handle.describe()).raw.pendingActivities ?? [])
          .filter((a) => a.lastStartedTime)
          .map((a) => a.activityType?.name);
      await waitUntil(
        async () => (await runningActivities()).includes('assignOutgoingNumber'),
        'the issue to number the document on the stuck worker',
      );
      await stuck.kill();
      const killedAt = Date.now();
      await worker.start();
      const issued = await issuing;
      expect(issued.status).toBe(200);
      expect(issued.body.number).toBe(3);
      // Without a heartbeat timeout the number came after the 2-minute start-to-close timeout.
      expect(Date.now() - killedAt).toBeLessThan(60_000);
    } finally {
      await stuck.kill();
      await link.close();
    }
    for (const r of RECIPIENTS) expect(await receiveFully(api, r, incomingId(s, id))).toBe(3);
    const done = await completed(api, s, id);
    expect(done.recipients.map((r: { statusCode: string }) => r.statusCode)).toEqual(['06', '06', '06']);
  }, 120_000);

  it('leaves every register without gaps or duplicates and every audit chain intact', async () => {
    expect(ids).toHaveLength(3);
    const sent = await outgoingItems(api, s);
    expect(sent.map((d) => d.number).sort((a, b) => a - b)).toEqual(oneTo(ids.length));
    for (const r of RECIPIENTS) {
      const items = await inboxItems(api, r);
      for (const id of ids) expect(items.filter((i) => i.id === incomingId(s, id))).toHaveLength(1);
      expect(items.map((i) => i.incomingNumber).sort((a, b) => a - b)).toEqual(oneTo(ids.length));
    }
    const audit = await must(api, 'admin', 'GET', '/audit/verify');
    expect(audit).toMatchObject({ ok: true, firstBreak: null });
  }, 30_000);
});
