import type { VerificationVerdict } from './verification';

/**
 * Every audit event type the exchange writes, in one list: the workflows type their `record` with it, the KPI
 * mapping is checked against it, and a renamed event fails the typecheck everywhere it is read instead of silently
 * zeroing a KPI.
 */
export const OutgoingEventTypes = [
  'document.created',
  'document.submitted',
  'document.approval_step',
  'document.stage_completed',
  'document.stage_skipped',
  'document.approved',
  'document.returned',
  'document.approval_reminder',
  'document.approval_overdue',
  'document.escalated',
  'document.flow_migrated',
  'document.rerouted',
  'document.signing_requested',
  'document.signed',
  'document.numbered',
  'document.sealed',
  'document.withdrawn',
  'document.dispatched',
  'document.resent',
  'document.send_failed',
  'document.status_received',
  'document.supersedes',
  'document.superseded',
  'document.recall_requested',
  'document.recall_answered',
  'document.recalled',
  'document.completed',
] as const;

export const IncomingEventTypes = [
  'incoming.received',
  'incoming.verified',
  'incoming.verification_failed',
  'incoming.status_sent',
  'incoming.supersedes',
  'incoming.superseded',
  'incoming.recall_requested',
] as const;

/** Events of the paper register (api/routes/paper-documents.ts). */
export const PaperEventTypes = ['paper.registered'] as const;

/** Events of the archive (activities/archive.ts): a document time-stamp renewed before its certificates end. */
export const ArchiveEventTypes = ['document.archive_timestamp_renewed'] as const;

export type OutgoingEventType = (typeof OutgoingEventTypes)[number];
export type IncomingEventType = (typeof IncomingEventTypes)[number];
export type AuditEventType =
  | OutgoingEventType
  | IncomingEventType
  | (typeof PaperEventTypes)[number]
  | (typeof ArchiveEventTypes)[number];

/**
 * `details` of `incoming.verified` and `incoming.verification_failed` (exchange/incoming-state.ts
 * `verificationDetails`). The KPI reducer keys a failure by `verdict.code`; `reason` is the human text, and the only
 * key of events recorded before `verdict` existed. A type, not an interface, so it passes as a details record.
 */
export type IncomingVerificationDetails = {
  /** BusinessDocType 2 (an update) when the delivery is one: it is no new document for the KPIs. */
  businessDocType?: number;
  ok: boolean;
  reason?: string;
  verdict?: VerificationVerdict;
  hashMatches: boolean;
  sha256?: string;
};
