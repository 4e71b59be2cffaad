import { ApplicationFailure } from '@temporalio/activity';
import { jetstream, jetstreamManager, DeliverPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { SMOKE_STREAM, SMOKE_SUBJECT } from '../schemas/constants';
import type { AuditStore } from '../store/audit-store';

export interface SmokeDeps {
  nats: NatsConnection;
  audit: AuditStore;
  clock: () => Date;
  /** Agency code under which smoke events are chained (the province). */
  systemAgency: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Creates the smoke stream if absent: file storage, limits retention, kept one day. */
export async function ensureSmokeStream(nats: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nats);
  try {
    await jsm.streams.info(SMOKE_STREAM);
  } catch {
    await jsm.streams.add({
      name: SMOKE_STREAM,
      subjects: [SMOKE_SUBJECT],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: 24 * 3600 * 1e9,
      max_msgs: 10_000,
      duplicate_window: 120 * 1e9,
    });
  }
}

/** Activities of the end-to-end smoke check (health of Temporal + NATS + MongoDB together). */
export function createSmokeActivities(deps: SmokeDeps) {
  return {
    /** Publishes one message with the check id as Nats-Msg-Id, so a retried publish is deduplicated. */
    async publishSmokeMessage(checkId: string): Promise<{ seq: number; duplicate: boolean }> {
      await ensureSmokeStream(deps.nats);
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

    /** Appends the audit event (idempotent by id) and reads it back from MongoDB. */
    async recordSmokeAudit(checkId: string, seq: number): Promise<{ id: string; hash: string }> {
      const id = `smoke:${checkId}`;
      await deps.audit.append({
        id,
        time: deps.clock().toISOString(),
        agency: deps.systemAgency,
        actor: 'system',
        type: 'system.smoke_check',
        details: { checkId, streamSeq: seq },
      });
      const stored = await deps.audit.get(id);
      if (!stored) throw new Error(`audit event ${id} not readable after write`);
      return { id: stored.id, hash: stored.hash };
    },
  };
}

export type SmokeActivities = ReturnType<typeof createSmokeActivities>;
