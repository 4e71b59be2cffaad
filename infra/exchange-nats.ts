import {
  AckPolicy,
  DeliverPolicy,
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

export interface ExchangeTopologyOptions {
  /** Nats-Msg-Id dedupe window; default 10 minutes. */
  duplicateWindowMs?: number;
  /** Deliveries before a message goes to the dead-letter stream; default 5. */
  maxDeliver?: number;
  /** Redelivery wait after an unacknowledged delivery; default 30 s. */
  ackWaitMs?: number;
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subjects: string[],
  duplicateWindowMs: number,
): Promise<void> {
  try {
    await jsm.streams.info(name);
  } catch {
    try {
      await jsm.streams.add({
        name,
        subjects,
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        max_age: 90 * 24 * 3600 * 1e9,
        duplicate_window: duplicateWindowMs * NS,
      });
    } catch (err) {
      // Another process created it concurrently.
      await jsm.streams.info(name).catch(() => {
        throw err;
      });
    }
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
  await ensureStream(jsm, names.stream, [`${names.subjectPrefix}.>`], window);
  await ensureStream(jsm, names.dlqStream, [`${names.dlqSubjectPrefix}.>`], window);
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
    });
  }
  return name;
}

const stores = new WeakMap<NatsConnection, Map<string, Promise<ObjectStore>>>();

/** The documents bucket of the Object Store (created on first use, file storage), cached per connection. */
export function documentBucket(
  nats: NatsConnection,
  names: ExchangeNames = DEFAULT_EXCHANGE_NAMES,
): Promise<ObjectStore> {
  let byName = stores.get(nats);
  if (!byName) stores.set(nats, (byName = new Map()));
  let store = byName.get(names.bucket);
  if (!store) {
    store = new Objm(nats).create(names.bucket, { storage: ObjStorageType.File });
    store.catch(() => byName.delete(names.bucket));
    byName.set(names.bucket, store);
  }
  return store;
}
