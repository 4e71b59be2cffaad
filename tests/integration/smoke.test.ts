import { jetstream } from '@nats-io/jetstream';
import { buildApp } from '../../api/app';
import { Collections } from '../../schemas/constants';
import { startHarness, type Harness } from './helpers/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const asAdmin = async () => ({ authorization: `Bearer ${await h.login('admin')}` });

describe('the three services together', () => {
  it('runs a workflow whose activities publish to JetStream, consume the message and record the check in MongoDB', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/healthz?deep=true', headers: await asAdmin() });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.dependencies).toEqual({
      temporal: expect.objectContaining({ status: 'ok' }),
      nats: expect.objectContaining({ status: 'ok' }),
      mongo: expect.objectContaining({ status: 'ok' }),
    });
    expect(body.smoke.status).toBe('ok');
    expect(body.smoke.streamSeq).toBeGreaterThan(0);

    // The check is really in MongoDB, in its own collection: the legal audit chain does not grow.
    const stored = await h.deps
      .db!.collection(Collections.smokeChecks)
      .findOne({ _id: body.smoke.auditEventId });
    expect(stored).toMatchObject({ checkId: body.smoke.workflowId, streamSeq: body.smoke.streamSeq });
    expect(stored!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(
      await h.deps.db!.collection(Collections.auditEvents).countDocuments({ type: 'system.smoke_check' }),
    ).toBe(0);

    // The workflow really ran on Temporal and completed.
    const handle = h.deps.temporal!.workflow.getHandle(body.smoke.workflowId);
    expect((await handle.describe()).status.name).toBe('COMPLETED');
  }, 60_000);

  it('deduplicates a republished smoke message by its Nats-Msg-Id', async () => {
    const first = await h.app.inject({ method: 'GET', url: '/healthz?deep=true', headers: await asAdmin() });
    const seq = first.json().smoke.streamSeq as number;
    const js = jetstream(h.workerNats);
    const again = await js.publish('lienthong.smoke', new TextEncoder().encode('{}'), {
      msgID: first.json().smoke.workflowId,
    });
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(seq);
  }, 60_000);

  it('reports 503 with the failing dependency named when MongoDB does not answer', async () => {
    const deps = {
      ...h.deps,
      probes: { ...h.deps.probes, mongo: () => Promise.reject(new Error('connection refused')) },
    };
    const app = await buildApp(deps);
    try {
      const res = await app.inject({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(503);
      expect(res.json().dependencies.mongo).toEqual({ status: 'error', error: 'connection refused' });
    } finally {
      await app.close();
    }
  });
});
