import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { documentBucket, ensureAgencyConsumer, ensureExchangeTopology } from '../../../infra/exchange-nats';
import { connectNats, type NatsConnection } from '../../../infra/nats';
import { SupervisedGroup, startNatsCluster } from '../../../scripts/lib/cluster';
import { exchangeNames } from '../../../schemas/edxml';
import { testStack } from '../helpers/stack-info';

// A three-node JetStream cluster of its own: the exchange topology created at NATS_REPLICAS copies, and a stream
// created earlier with one copy raised to three in place (its messages kept).
let group: SupervisedGroup;
let nats: NatsConnection;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lienthong-replicas-'));
  group = new SupervisedGroup({ log: () => {}, onGiveUp: () => {} });
  const cluster = await startNatsCluster(group, testStack().tools.natsServer, dir, 3, 'always', () => {});
  nats = await connectNats({ url: cluster.natsUrl, name: 'replicas-test' });
}, 60_000);

afterAll(async () => {
  await nats?.close();
  await group?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('stream replicas from configuration', () => {
  it('creates the exchange streams, consumers and the documents bucket with three copies', async () => {
    const names = exchangeNames('rthree');
    await ensureExchangeTopology(nats, names, { replicas: 3 });
    const consumer = await ensureAgencyConsumer(nats, '000.00.32.H29', names, { maxDeliver: 5, replicas: 3 });
    await documentBucket(nats, names, 3);
    const jsm = await jetstreamManager(nats);
    for (const stream of [names.stream, names.dlqStream, `OBJ_${names.bucket}`]) {
      const info = await jsm.streams.info(stream);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.replicas).toHaveLength(2);
    }
    expect((await jsm.consumers.info(names.stream, consumer)).config.num_replicas).toBe(3);
  }, 30_000);

  it('raises a stream made with one copy to three, keeping its messages, and never lowers it', async () => {
    const names = exchangeNames('rone');
    await ensureExchangeTopology(nats, names, { replicas: 1 });
    const jsm = await jetstreamManager(nats);
    expect((await jsm.streams.info(names.stream)).config.num_replicas).toBe(1);
    const js = jsm.jetstream();
    await js.publish(`${names.subjectPrefix}.x.inbox`, new TextEncoder().encode('Tân Phú'));

    await ensureExchangeTopology(nats, names, { replicas: 3 });
    const raised = await jsm.streams.info(names.stream);
    expect(raised.config.num_replicas).toBe(3);
    expect(raised.state.messages).toBe(1);

    await ensureExchangeTopology(nats, names, { replicas: 1 });
    expect((await jsm.streams.info(names.stream)).config.num_replicas).toBe(3);
  }, 30_000);
});
