import { ApplicationFailure } from '@temporalio/activity';
import { jetstream, jetstreamManager, DeliverPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { createHash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Db } from 'mongodb';
import { ensureStreamReplicas } from '../infra/exchange-nats';
import { Collections, SMOKE_STREAM, SMOKE_SUBJECT } from '../schemas/constants';

export interface SmokeDeps {
  nats: NatsConnection;
  db: Db;
  clock: () => Date;
  /** Agency code recorded with each smoke check (the province). */
  systemAgency: string;
  /** Copies of the smoke stream (NATS_REPLICAS); default 1. */
  natsReplicas?: number;
}

interface SmokeCheckDoc {
  _id: string;
  time: string;
  agency: string;
  checkId: string;
  streamSeq: number;
  hash: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Creates the smoke stream if absent: file storage, limits retention, kept one day, `replicas` copies. */
export async function ensureSmokeStream(nats: NatsConnection, replicas = 1): Promise<void> {
  const jsm = await jetstreamManager(nats);
  const exists = await jsm.streams.info(SMOKE_STREAM).then(
    () => true,
    () => false,
  );
  if (exists) await ensureStreamReplicas(jsm, SMOKE_STREAM, replicas);
  else {
    await jsm.streams.add({
      name: SMOKE_STREAM,
      subjects: [SMOKE_SUBJECT],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: 24 * 3600 * 1e9,
      max_msgs: 10_000,
      duplicate_window: 120 * 1e9,
      num_replicas: replicas,
    });
  }
}

/** Activities of the end-to-end smoke check (health of Temporal + NATS + MongoDB together). */
export function createSmokeActivities(deps: SmokeDeps) {
  return {
    /** Publishes one message with the check id as Nats-Msg-Id, so a retried publish is deduplicated. */
    async publishSmokeMessage(checkId: string): Promise<{ seq: number; duplicate: boolean }> {
      await ensureSmokeStream(deps.nats, deps.natsReplicas);
      const js = jetstream(deps.nats);
      const ack = await js.publish(SMOKE_SUBJECT, encoder.encode(JSON.stringify({ checkId })), {
        msgID: checkId,
      });
      return { seq: ack.seq, duplicate: ack.duplicate };
    },

    /** Reads the message back from the stream at its sequence with an ordered consumer. */
    async consumeSmokeMessage(checkId: string, seq: number): Promise<{ seq: number; checkId: string }> {
      const js = jetstream(deps.nats);
      const consumer = await js.consumers.get(SMOKE_STREAM, {
        filter_subjects: [SMOKE_SUBJECT],
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: seq,
      });
      const msg = await consumer.next({ expires: 5_000 });
      if (!msg) throw new Error(`smoke message ${checkId} not delivered yet`);
      const body = JSON.parse(decoder.decode(msg.data)) as { checkId?: string };
      if (body.checkId !== checkId) {
        throw ApplicationFailure.nonRetryable(
          `stream seq ${seq} holds ${body.checkId}, not ${checkId}`,
          'SMOKE_MISMATCH',
        );
      }
      return { seq: msg.seq, checkId: body.checkId };
    },

    /**
     * Writes the check's record to `smoke_checks` (idempotent by id) and reads it back from MongoDB. Smoke checks
     * are operations data: they never enter the legal audit chain. The activity keeps its name so recorded
     * histories replay.
     */
    async recordSmokeAudit(checkId: string, seq: number): Promise<{ id: string; hash: string }> {
      const id = `smoke:${checkId}`;
      const hash = createHash('sha256').update(`${id}\u0000${seq}`).digest('hex');
      const checks = deps.db.collection<SmokeCheckDoc>(Collections.smokeChecks);
      await checks.updateOne(
        { _id: id },
        {
          $setOnInsert: {
            time: deps.clock().toISOString(),
            agency: deps.systemAgency,
            checkId,
            streamSeq: seq,
            hash,
          },
        },
        { upsert: true },
      );
      const stored = await checks.findOne({ _id: id });
      if (!stored) throw new Error(`smoke check ${id} not readable after write`);
      return { id: stored._id, hash: stored.hash };
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
