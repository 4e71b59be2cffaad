import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { Client } from '@temporalio/client';
import { startExchangeConsumers } from '../../../api/inbox-consumer';
import { documentBucket, ensureAgencyConsumer, ensureExchangeTopology } from '../../../infra/exchange-nats';
import { createLogger } from '../../../infra/logger';
import {
  agencyNatsCredentials,
  agencyNatsPassword,
  agencyNatsUser,
  natsAuthorizationConfig,
} from '../../../infra/nats-auth';
import { DEFAULT_EXCHANGE_NAMES as N, agencyConsumerName, inboxSubject } from '../../../schemas/edxml';
import type { DeadLetter, DocumentStore } from '../../../store/document-store';
import type { IdentityStore } from '../../../store/identity-store';
import { freePort, startStack, type RunningStack } from '../../../scripts/lib/stack';
import { testStack } from '../helpers/stack-info';

const A = '000.01.01.H29';
const B = '000.00.32.H29';
const SECRET = 'bí-mật-triển-khai-nats-2026';
const pw = (code: string) => agencyNatsPassword(SECRET, code);
let stack: RunningStack;
let dataDir: string;
let url: string;
const open: NatsConnection[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lienthong-nats-auth-'));
  const ports = {
    temporal: 0,
    temporalHttp: 0,
    temporalUi: 0,
    temporalMetrics: 0,
    nats: await freePort(),
    natsMonitor: await freePort(),
    mongo: 0,
  };
  stack = await startStack({
    tools: testStack().tools,
    dataDir,
    ports,
    temporalUi: false,
    natsAuthConfig: natsAuthorizationConfig({
      agencies: agencyNatsCredentials(SECRET, [A, B]),
      system: { user: 'lienthong-system', password: 'system-secret' },
    }),
    start: { temporal: false, nats: true, mongo: false },
  });
  url = stack.natsUrl;
}, 60_000);

afterAll(async () => {
  for (const nc of open) await nc.close().catch(() => undefined);
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function as(user: string, pass: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url, user, pass, name: user });
  open.push(nc);
  return nc;
}

describe('per-agency NATS credentials', () => {
  it("refuses an agency that subscribes to another agency's inbox, and delivers its own", async () => {
    const a = await as(agencyNatsUser(A), pw(A));
    const b = await as(agencyNatsUser(B), pw(B));

    const refused = new Promise<Error>((resolve) => {
      a.subscribe(inboxSubject(B), {
        callback: (err) => {
          if (err) resolve(err);
        },
      });
    });
    await a.flush();
    const err = await refused;
    expect(err.message).toMatch(/permissions violation/i);

    // B reads its own inbox; A may publish to it.
    const got = new Promise<string>((resolve) => {
      b.subscribe(inboxSubject(B), { callback: (_e, m) => resolve(m.string()) });
    });
    await b.flush();
    a.publish(inboxSubject(B), 'Ủy ban nhân dân xã Tân Phú');
    expect(await got).toBe('Ủy ban nhân dân xã Tân Phú');
  }, 30_000);

  it('refuses a wrong password', async () => {
    await expect(
      connect({ servers: url, user: agencyNatsUser(A), pass: 'sai', reconnect: false }),
    ).rejects.toThrow(/authorization/i);
  });

  it("refuses agency A's credentials on agency B's inbox stream, consumer and object store entries", async () => {
    const system = await as('lienthong-system', 'system-secret');
    await ensureExchangeTopology(system);
    await ensureAgencyConsumer(system, A);
    await ensureAgencyConsumer(system, B);
    await jetstream(system).publish(inboxSubject(B), 'Công văn gửi Sở Nội vụ');
    const bucket = await documentBucket(system);
    await bucket.putBlob({ name: 'b/cong-van.pdf' }, new TextEncoder().encode('%PDF-1.7 Sở Nội vụ'));

    const a = await as(agencyNatsUser(A), pw(A));
    const aJs = jetstream(a, { timeout: 2_000 });
    await expect(aJs.consumers.get(N.stream, agencyConsumerName(B))).rejects.toThrow();
    await expect(
      a.request(`$JS.API.STREAM.MSG.GET.${N.stream}`, JSON.stringify({ seq: 1 }), { timeout: 2_000 }),
    ).rejects.toThrow();
    await expect(jetstreamManager(a, { timeout: 2_000 })).rejects.toThrow();
    await expect(new Objm(aJs).open(N.bucket)).rejects.toThrow();
    await expect(
      a.request(`$JS.API.STREAM.MSG.GET.OBJ_${N.bucket}`, JSON.stringify({ seq: 1 }), { timeout: 2_000 }),
    ).rejects.toThrow();
    const chunks = new Promise<Error>((resolve) => {
      a.subscribe(`$O.${N.bucket}.>`, {
        callback: (err) => {
          if (err) resolve(err);
        },
      });
    });
    await a.flush();
    expect((await chunks).message).toMatch(/permissions violation/i);

    // B reads its own inbox through its own durable consumer.
    const b = await as(agencyNatsUser(B), pw(B));
    const own = await jetstream(b, { timeout: 2_000 }).consumers.get(N.stream, agencyConsumerName(B));
    const batch = await own.fetch({ max_messages: 1, expires: 2_000 });
    for await (const m of batch) {
      expect(m.string()).toBe('Công văn gửi Sở Nội vụ');
      m.ack();
    }
  }, 60_000);

  it("binds each agency's inbox consumer with its own credentials, and A's cannot bind B's", async () => {
    const system = await as('lienthong-system', 'system-secret');
    await ensureExchangeTopology(system);
    const letters: DeadLetter[] = [];
    const common = {
      nats: system,
      // Unused on this path: a message that is not JSON is dead-lettered before Temporal is asked.
      temporal: {} as Client,
      taskQueue: 'unused',
      identity: {} as IdentityStore,
      documents: {
        recordDeadLetter: async (l: DeadLetter) => void letters.push(l),
      } as unknown as DocumentStore,
      logger: createLogger('silent', 'test'),
      clock: () => new Date(),
      maxDeliver: 2,
      backoffMs: [100],
    };
    const bound: string[] = [];
    const consumers = await startExchangeConsumers({
      ...common,
      agencies: [A],
      agencyConnection: async (agency) => {
        bound.push(agency);
        return as(agencyNatsUser(agency), pw(agency));
      },
    });
    try {
      await jetstream(system).publish(inboxSubject(A), 'không phải JSON');
      const deadline = Date.now() + 15_000;
      while (letters.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(bound).toEqual([A]);
      expect(letters).toHaveLength(1);
      expect(letters[0]).toMatchObject({ agency: A, subject: inboxSubject(A) });
      const info = await (await jetstreamManager(system)).consumers.info(N.stream, agencyConsumerName(A));
      expect(info.num_ack_pending).toBe(0);
    } finally {
      await consumers.stop();
    }

    // A's credentials handed to B's consumer: nothing binds, nothing is read.
    const wrong = await startExchangeConsumers({
      ...common,
      agencies: [B],
      agencyConnection: async () => as(agencyNatsUser(A), pw(A)),
    }).catch((err: unknown) => err as Error);
    expect(wrong).toBeInstanceOf(Error);
  }, 60_000);
});
