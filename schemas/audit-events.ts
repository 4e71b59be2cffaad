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

export type OutgoingEventType = (typeof OutgoingEventTypes)[number];
export type IncomingEventType = (typeof IncomingEventTypes)[number];
export type AuditEventType = OutgoingEventType | IncomingEventType | (typeof PaperEventTypes)[number];
