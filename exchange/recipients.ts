import { FINAL_STATUS_CODES } from '../schemas/document-constants';
import type { RecipientStatusCode, RecipientView, StatusCode } from '../schemas/document';
import type { StatusMessage } from '../schemas/edxml';
import type { ExchangeEvent } from './approval';
import type { OutgoingState, RecipientTrack } from './outgoing-state';

/** Code order of statuses: a later report never moves a recipient backwards. */
export const STATUS_ORDER: Record<RecipientStatusCode, number> = {
  PENDING: 0,
  '01': 1,
  '03': 3,
  '04': 4,
  '05': 5,
  '02': 9,
  '06': 9,
  SEND_FAILED: 9,
  // Recall statuses never advance the processing status; they are tracked apart (`recall`).
  '13': 0,
  '15': 0,
  '16': 0,
};

/** A recipient is done: a final status, or it agreed to a recall (15) and will not report again. */
export const isFinal = (r: RecipientTrack): boolean => STATUS_ORDER[r.statusCode] >= 9 || r.recall === '15';

export const recipientViews = (s: OutgoingState): RecipientView[] =>
  s.recipients.map((r) => ({
    agency: r.code,
    name: r.name,
    statusCode: r.statusCode,
    statusAt: r.statusAt,
    reason: r.reason,
    attempts: r.attempts,
    recall: r.recall,
    recallReason: r.recallReason,
  }));

/** Recipients a recall is sent to: all but those that rejected the document or were never reached. */
export const recallTargets = (s: OutgoingState): RecipientTrack[] =>
  s.recipients.filter((r) => r.statusCode !== '02' && r.statusCode !== 'SEND_FAILED');

/**
 * Applies one received status or recall answer. Returns the event to audit with its actor, or undefined when the
 * message changes nothing (unknown sender, a step backwards, a recipient already final, an unasked recall answer).
 */
export function applyStatus(
  s: OutgoingState,
  status: StatusMessage,
): { actor: string; event: ExchangeEvent; comment?: string } | undefined {
  const r = s.recipients.find((x) => x.code === status.from.code);
  const actor = status.staff ?? 'system';
  if (r && (status.statusCode === '15' || status.statusCode === '16')) {
    if (r.recall !== '13') return undefined;
    r.recall = status.statusCode;
    r.recallReason = status.reason;
    if (
      s.recipients.every((x) => x.recall === '15' || x.statusCode === '02' || x.statusCode === 'SEND_FAILED')
    )
      s.state = 'RECALLED';
    return {
      actor,
      comment: status.reason,
      event: {
        type: 'document.recall_answered',
        details: { recipient: r.code, statusCode: status.statusCode, reason: status.reason, at: status.at },
      },
    };
  }
  if (!r || isFinal(r) || STATUS_ORDER[status.statusCode as StatusCode] <= STATUS_ORDER[r.statusCode])
    return undefined;
  r.statusCode = status.statusCode;
  r.statusAt = status.at;
  if (status.reason) r.reason = status.reason;
  return {
    actor,
    event: {
      type: 'document.status_received',
      details: {
        recipient: r.code,
        statusCode: status.statusCode,
        reason: status.reason,
        // The message's own time (the event's is when it arrived), for evidence bundles.
        at: status.at,
        final: FINAL_STATUS_CODES.includes(status.statusCode),
      },
    },
  };
}

/** A recipient without `01` after the acknowledgement timeout: resend, or flag it after the last attempt. */
export function resendDecision(
  r: RecipientTrack,
  now: number,
  ackTimeoutMs: number,
  maxResends: number,
): 'wait' | 'resend' | 'fail' {
  if (r.statusCode !== 'PENDING' || r.lastSentAt === undefined || now - r.lastSentAt < ackTimeoutMs)
    return 'wait';
  return r.attempts > maxResends ? 'fail' : 'resend';
}

/** Marks a recipient SEND_FAILED after its last attempt. */
export function markSendFailed(r: RecipientTrack, at: string): ExchangeEvent {
  r.statusCode = 'SEND_FAILED';
  r.statusAt = at;
  r.reason = `no 01 after ${r.attempts} attempts`;
  return { type: 'document.send_failed', details: { recipient: r.code, attempts: r.attempts } };
}

/** Milliseconds until the earliest acknowledgement timeout, undefined when nobody waits for a `01`. */
export function nextAckWait(s: OutgoingState, now: number, ackTimeoutMs: number): number | undefined {
  const waiting = s.recipients.filter((r) => r.statusCode === 'PENDING' && r.lastSentAt !== undefined);
  return waiting.length
    ? Math.max(1, Math.min(...waiting.map((r) => r.lastSentAt! + ackTimeoutMs)) - now)
    : undefined;
}
