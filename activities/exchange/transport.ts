import { ApplicationFailure } from '@temporalio/activity';
import { jetstream } from '@nats-io/jetstream';
import { documentBucket } from '../../infra/exchange-nats';
import type { FileRef } from '../../schemas/document';
import { inboxSubject, statusSubject, type Envelope, type StatusMessage } from '../../schemas/edxml';
import { sha256Hex } from '../../store/file-store';
import {
  encoder,
  exchangeContext,
  objectName,
  type ExchangeActivityDeps,
  type ExchangeContext,
} from './shared';

/** Transport activities: documents and status messages onto NATS JetStream. */
export function createTransportActivities(
  deps: ExchangeActivityDeps,
  { files, names, replicas, ensureTopology }: ExchangeContext = exchangeContext(deps),
) {
  return {
    /**
     * Puts the document into the Object Store (content-addressed, so a retry uploads nothing new) and publishes the
     * envelope to the recipient's inbox subject with a Nats-Msg-Id per (document, recipient, attempt): a retried
     * publish is dropped by the server's dedupe window.
     */
    async dispatchToRecipient(input: {
      envelope: Envelope;
      recipient: string;
      file: FileRef;
      /** Dedupe id of a message that is not a delivery attempt (a recall); default per attempt. */
      msgId?: string;
    }): Promise<{ seq: number; duplicate: boolean }> {
      await ensureTopology();
      const bucket = await documentBucket(deps.nats, names, replicas);
      for (const attachment of input.envelope.attachments) {
        const name = objectName(attachment.ref);
        const info = await bucket.info(name);
        if (info && info.size === attachment.size && !info.deleted) continue;
        const bytes = await files.get(input.file);
        if (sha256Hex(bytes) !== attachment.sha256)
          throw ApplicationFailure.nonRetryable('attachment does not match the stored file', 'HASH_FAILURE');
        await bucket.putBlob({ name }, bytes);
      }
      const js = jetstream(deps.nats);
      const ack = await js.publish(
        inboxSubject(input.recipient, names),
        encoder.encode(JSON.stringify(input.envelope)),
        {
          msgID:
            input.msgId ??
            `${input.envelope.from.code}:${input.envelope.messageId}:${input.recipient}:${input.envelope.attempt}`,
        },
      );
      return { seq: ack.seq, duplicate: ack.duplicate };
    },

    /** Publishes a status message to the sender's status subject (deduplicated per recipient and code). */
    async sendStatus(input: {
      status: StatusMessage;
      msgId: string;
    }): Promise<{ seq: number; duplicate: boolean }> {
      await ensureTopology();
      const js = jetstream(deps.nats);
      const ack = await js.publish(
        statusSubject(input.status.to, names),
        encoder.encode(JSON.stringify(input.status)),
        {
          msgID: input.msgId,
        },
      );
      return { seq: ack.seq, duplicate: ack.duplicate };
    },
  };
}
