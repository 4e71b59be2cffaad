import { condition, patched } from '@temporalio/workflow';
import {
  applyStatus,
  buildEnvelope,
  isFinal,
  markSendFailed,
  nextAckWait,
  resendDecision,
  type RecipientTrack,
} from '../exchange';
import { BUSINESS_DOC_TYPE } from '../schemas/document-constants';
import { BATCHED_RECORDS_PATCH } from './exchange-messages';
import { quick } from './exchange-steps';
import { nowIso, record, recordAll, type Doc, type OutgoingEvent } from './document-context';

/** Dispatch of an issued document and the statuses its recipients send back. Workflow code. */

/** Sends the document to one recipient (first send or resend) and audits it. */
export async function send(d: Doc, r: RecipientTrack): Promise<void> {
  const sent = await dispatch(d, r);
  await record(d, sent.type, sent.actor, sent.details);
}

/** The first send to every recipient at once, audited in one activity (patch `batched-records-v1`). */
export async function sendToAll(d: Doc): Promise<void> {
  const sent = await Promise.all(d.s.recipients.map((r) => dispatch(d, r)));
  await recordAll(d, sent);
}

/** Publishes the envelope to one recipient; returns the event that audits it. */
async function dispatch(d: Doc, r: RecipientTrack): Promise<OutgoingEvent> {
  const { input, s } = d;
  r.attempts++;
  r.lastSentAt = Date.now();
  const sent = await quick.dispatchToRecipient({
    envelope: buildEnvelope(input, s, r.attempts, nowIso()),
    recipient: r.code,
    file: s.file,
  });
  return {
    type: r.attempts === 1 ? 'document.dispatched' : 'document.resent',
    actor: 'system',
    details: {
      recipient: r.code,
      attempt: r.attempts,
      streamSeq: sent.seq,
      duplicate: sent.duplicate,
      ...(input.amendment ? { businessDocType: BUSINESS_DOC_TYPE[input.amendment.kind] } : {}),
    },
  };
}

/**
 * Applies the statuses and recall answers that arrived, in arrival order. With patch `batched-records-v1`, the ones
 * waiting together are audited in one activity (and those arriving meanwhile in the next); before it, one each.
 */
export async function drainStatuses(d: Doc): Promise<void> {
  while (d.s.inbox.length > 0) {
    if (patched(BATCHED_RECORDS_PATCH)) {
      const events = d.s.inbox.splice(0).flatMap((status): OutgoingEvent[] => {
        const a = applyStatus(d.s, status);
        return a
          ? [
              {
                type: a.event.type,
                actor: a.actor,
                details: a.event.details,
                comment: a.comment,
                state: d.s.state,
              },
            ]
          : [];
      });
      await recordAll(d, events);
      continue;
    }
    const applied = applyStatus(d.s, d.s.inbox.shift()!);
    if (applied) await record(d, applied.event.type, applied.actor, applied.event.details, applied.comment);
  }
}

/** Reception awareness: statuses are applied, and a recipient without `01` in time is resent to or flagged. */
export async function trackRecipients(d: Doc): Promise<void> {
  const { input, s } = d;
  const ackTimeoutMs = input.timing.ackTimeoutSeconds * 1000;
  while (!s.recipients.every(isFinal) && !s.superseded) {
    await drainStatuses(d);
    if (s.recipients.every(isFinal) || s.superseded) break;
    const now = Date.now();
    for (const r of s.recipients) {
      const decision = resendDecision(r, now, ackTimeoutMs, input.timing.maxResends);
      if (decision === 'fail') {
        const event = markSendFailed(r, nowIso());
        await record(d, event.type, 'system', event.details);
      } else if (decision === 'resend') await send(d, r);
    }
    if (s.recipients.every(isFinal)) break;
    const next = nextAckWait(s, Date.now(), ackTimeoutMs);
    if (next === undefined) await condition(() => s.inbox.length > 0 || s.superseded !== undefined);
    else await condition(() => s.inbox.length > 0 || s.superseded !== undefined, next);
  }
}
