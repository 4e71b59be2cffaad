import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { Objm, StorageType as ObjStorageType, type ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  DEFAULT_EXCHANGE_NAMES,
  agencyConsumerName,
  agencyToken,
  type ExchangeNames,
} from '../schemas/edxml';

const NS = 1_000_000;

/** JetStream's "no suitable peers for placement" and "JetStream system temporarily unavailable". */
const PLACEMENT_PENDING = new Set([10005, 10008]);

/**
 * Runs `place` (a stream's creation, or the update raising its copies) again while JetStream cannot yet place the
 * copies: a cluster whose meta leader was just elected, or a node that is restarting, refuses a stream with a copy on
 * every node until the leader knows all of them again (seconds). Any other error, or the same one after
 * `patienceMs`, is thrown.
 */
export async function whilePlacementPending<T>(place: () => Promise<T>, patienceMs = 15_000): Promise<T> {
  const deadline = Date.now() + patienceMs;
  for (let wait = 100; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      return await place();
    } catch (err) {
      const pending = err instanceof JetStreamApiError && PLACEMENT_PENDING.has(err.code);
      if (!pending || Date.now() + wait > deadline) throw err;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

export interface ExchangeTopologyOptions {
  /** Nats-Msg-Id dedupe window; default 10 minutes. */
  duplicateWindowMs?: number;
  /** Deliveries before a message goes to the dead-letter stream; default 5. */
  maxDeliver?: number;
  /** Redelivery wait after an unacknowledged delivery; default 30 s. */
  ackWaitMs?: number;
  /** Copies of every stream and object store (NATS_REPLICAS): 1 on one server, 3 on a three-node cluster. */
  replicas?: number;
}

/**
 * Creates stream `name` with `replicas` copies if absent; raises the replica count of an existing stream that has
 * fewer (NATS allows changing `num_replicas` in place on a cluster; it never lowers it here, so a deployment that
 * shrank keeps its copies until an operator decides).
 */
export async function ensureStreamReplicas(
  jsm: JetStreamManager,
  name: string,
  replicas: number,
): Promise<void> {
  const info = await jsm.streams.info(name);
  if ((info.config.num_replicas ?? 1) >= replicas) return;
  await whilePlacementPending(() => jsm.streams.update(name, { ...info.config, num_replicas: replicas }));
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subjects: string[],
  duplicateWindowMs: number,
  replicas: number,
): Promise<void> {
  const exists = await jsm.streams.info(name).then(
    () => true,
    () => false,
  );
  if (exists) {
    await ensureStreamReplicas(jsm, name, replicas);
    return;
  }
  try {
    await whilePlacementPending(() =>
      jsm.streams.add({
        name,
        subjects,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: 90 * 24 * 3600 * 1e9,
        duplicate_window: duplicateWindowMs * NS,
        num_replicas: replicas,
      }),
    );
  } catch (err) {
    // Another process created it concurrently.
    await jsm.streams.info(name).catch(() => {
      throw err;
    });
  }
}

/**
 * Creates the exchange stream (`lienthong.exchange.<agency>.inbox|status`, file storage, Nats-Msg-Id dedupe), the
 * dead-letter stream and the documents Object Store bucket, if absent. Idempotent; safe from several processes.
 */
export async function ensureExchangeTopology(
  nats: NatsConnection,
  names: ExchangeNames = DEFAULT_EXCHANGE_NAMES,
  options: ExchangeTopologyOptions = {},
): Promise<void> {
  const jsm = await jetstreamManager(nats);
  const window = options.duplicateWindowMs ?? 10 * 60_000;
  const replicas = options.replicas ?? 1;
  await ensureStream(jsm, names.stream, [`${names.subjectPrefix}.>`], window, replicas);
  await ensureStream(jsm, names.dlqStream, [`${names.dlqSubjectPrefix}.>`], window, replicas);
}

/** The durable pull consumer of one agency: its inbox and status subjects, explicit acks, bounded deliveries. */
export async function ensureAgencyConsumer(
  nats: NatsConnection,
  agency: string,
  names: ExchangeNames = DEFAULT_EXCHANGE_NAMES,
  options: ExchangeTopologyOptions = {},
): Promise<string> {
  const jsm = await jetstreamManager(nats);
  const name = agencyConsumerName(agency);
  try {
    await jsm.consumers.info(names.stream, name);
  } catch {
    await jsm.consumers.add(names.stream, {
      durable_name: name,
      filter_subject: `${names.subjectPrefix}.${agencyToken(agency)}.>`,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: (options.ackWaitMs ?? 30_000) * NS,
      // One more than the consumer's own limit, so the last delivery can still be moved to the dead-letter stream.
      max_deliver: (options.maxDeliver ?? 5) + 1,
      max_ack_pending: 1_000,
      // A durable consumer's state is replicated like its stream, so it survives the loss of a node.
      num_replicas: options.replicas ?? 1,
    });
  }
  return name;
}

const stores = new WeakMap<NatsConnection, Map<string, Promise<ObjectStore>>>();

/**
 * The documents bucket of the Object Store (created on first use, file storage, `replicas` copies; an existing
 * bucket with fewer copies is raised), cached per connection.
 */
export function documentBucket(
  nats: NatsConnection,
  names: ExchangeNames = DEFAULT_EXCHANGE_NAMES,
  replicas = 1,
): Promise<ObjectStore> {
  let byName = stores.get(nats);
  if (!byName) stores.set(nats, (byName = new Map()));
  let store = byName.get(names.bucket);
  if (!store) {
    store = whilePlacementPending(() =>
      new Objm(nats).create(names.bucket, { storage: ObjStorageType.File, replicas }),
    ).then(async (bucket) => {
      if (replicas > 1)
        await ensureStreamReplicas(await jetstreamManager(nats), `OBJ_${names.bucket}`, replicas);
      return bucket;
    });
    store.catch(() => byName.delete(names.bucket));
    byName.set(names.bucket, store);
  }
  return store;
}
