import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ResolvedFlow } from '../schemas/flow';
import type {
  Actor,
  AmendmentKind,
  ApprovalFlow,
  ApprovalView,
  DocumentState,
  DocumentType,
  FileRef,
  HistoryEntry,
  IncomingState,
  RecipientView,
  SignatureSubmission,
  SignerInfo,
  SigningRequest,
  StatusCode,
  SupersededBy,
  VerificationSummary,
} from '../schemas/document';
import type { Envelope, StatusMessage } from '../schemas/edxml';

/**
 * Messages of the exchange workflows, shared by the workflows and the API (one module, so names never drift).
 * Human steps are updates with validators: a wrong role, state or user is refused before it enters history, with an
 * `ApplicationFailure` whose type is the error code (FORBIDDEN, WRONG_STATE) the API maps to HTTP.
 */

export interface AgencyRef {
  code: string;
  name: string;
  place?: string;
  shortName?: string;
}

/** Timing of reception awareness, pinned per document so tests can use seconds. */
export interface ExchangeTiming {
  /** Resend to a recipient when no `01` came within this many seconds. */
  ackTimeoutSeconds: number;
  /** Resends after the first send before the recipient is flagged SEND_FAILED. */
  maxResends: number;
  /**
   * Seconds in one "hour" of a flow's deadlines and reminders (default 3600). Tests set it to 1 so a stage
   * deadline of 2 hours passes in 2 seconds.
   */
  flowHourSeconds?: number;
  /**
   * Days a document stays open after its last recipient's final status (default 365), so it can still be
   * recalled, updated or replaced. A received copy stays open twice as long after its own completion, so a recall
   * sent late in the sender's window still finds it.
   */
  followUpDays?: number;
}

/**
 * This document updates (BusinessDocType 2) or replaces (3) an earlier dispatched document `of` of the same
 * agency; once dispatched, the earlier one is superseded at the sender and at every recipient.
 */
export interface AmendmentInput {
  kind: AmendmentKind;
  of: string;
  /** edXML DocumentId of the superseded document. */
  ofEdxmlId: string;
  reason: string;
  /** Number and notation carried over (always for an update; for a replacement when the agency keeps it). */
  keep?: { number: number; notation: string; issuedAt?: string };
  /** An update carries the signed file of `of`: who signed it. */
  signer?: SignerInfo;
}

/**
 * Patch of the post-dispatch follow-up (both exchange workflows): a completed document stays open so it can still
 * be recalled, updated or replaced, and the holders of a received copy are notified of a recall. Histories
 * recorded before it replay as they ran.
 */
export const FOLLOW_UP_PATCH = 'follow-up-v1';

/** Days a recall that arrives late in the follow-up window keeps a document open for its answers. */
export const RECALL_ANSWER_DAYS = 30;

export interface DocumentWorkflowInput {
  documentId: string;
  agency: AgencyRef;
  createdBy: string;
  createdAt: string;
  type: DocumentType;
  subject: string;
  recipients: AgencyRef[];
  priority: number;
  dueDate?: string;
  fileName: string;
  file: FileRef;
  /** Flow pinned at submission; defaults to DEFAULT_APPROVAL_FLOW. */
  flow?: ApprovalFlow;
  timing: ExchangeTiming;
  amendment?: AmendmentInput;
}

export interface DocumentSnapshot {
  id: string;
  state: DocumentState;
  file: FileRef;
  number?: number;
  notation?: string;
  issuedAt?: string;
  busy: boolean;
  approvalStep: number;
  flow?: ApprovalFlow;
  /** The flow pinned at submission with its concrete approvers (documents submitted after `flow-stages-v1`). */
  resolvedFlow?: ResolvedFlow;
  approval?: ApprovalView;
  recipients: RecipientView[];
  history: HistoryEntry[];
  pendingSigning?: { username: string; request: SigningRequest };
}

export interface ActionOutcome {
  state: string;
  number?: number;
  notation?: string;
}

export const submitUpdate = defineUpdate<ActionOutcome, [Actor]>('submit');
export const approveUpdate = defineUpdate<ActionOutcome, [Actor, { comment?: string }]>('approve');
export const rejectUpdate = defineUpdate<ActionOutcome, [Actor, { reason: string }]>('reject');
export const signUpdate = defineUpdate<ActionOutcome, [Actor]>('sign');
export const requestSigningUpdate = defineUpdate<SigningRequest, [Actor]>('requestSigning');
export const submitSignatureUpdate = defineUpdate<ActionOutcome, [Actor, SignatureSubmission]>(
  'submitSignature',
);
export const issueUpdate = defineUpdate<ActionOutcome, [Actor]>('issue');
export const withdrawUpdate = defineUpdate<ActionOutcome, [Actor]>('withdraw');
/** An administrator moves an in-flight document to the newest active version of its flow (pending stages only). */
export const migrateFlowUpdate = defineUpdate<ActionOutcome, [Actor]>('migrateFlow');

/** A leadership change: work waiting on `leaver` goes to `successor`, or back to the drafter. */
export interface RerouteRequest {
  leaver: string;
  successor?: string;
  changeId: string;
}
export const rerouteUpdate = defineUpdate<ActionOutcome, [Actor, RerouteRequest]>('reroute');
export const recipientStatusSignal = defineSignal<[StatusMessage]>('recipientStatus');
/** The sender's clerk recalls a dispatched document (edXML BusinessDocType 1). */
export const recallUpdate = defineUpdate<ActionOutcome, [Actor, { reason: string }]>('recall');
/** A newer version (update or replacement) was dispatched: the sender's or a recipient's copy is superseded. */
export const supersededSignal = defineSignal<[SupersededBy]>('superseded');
export const documentSnapshotQuery = defineQuery<DocumentSnapshot>('snapshot');

export interface ReceivedDocumentInput {
  envelope: Envelope;
  recipient: AgencyRef;
  inboxId: string;
  receivedAt: string;
  /** As `ExchangeTiming.followUpDays` (the copy stays open twice as long); default 365. */
  followUpDays?: number;
}

export interface IncomingSnapshot {
  id: string;
  state: IncomingState;
  statusCode?: StatusCode;
  verified: boolean;
  verification?: VerificationSummary;
  incomingNumber?: number;
  assignee?: string;
  history: HistoryEntry[];
}

export const acceptUpdate = defineUpdate<
  ActionOutcome & { incomingNumber: number },
  [Actor, { incomingNumber?: number }]
>('accept');
export const rejectIncomingUpdate = defineUpdate<ActionOutcome, [Actor, { reason: string }]>(
  'rejectIncoming',
);
export const assignUpdate = defineUpdate<ActionOutcome, [Actor, { username: string }]>('assign');
export const processUpdate = defineUpdate<ActionOutcome, [Actor]>('process');
export const completeUpdate = defineUpdate<ActionOutcome, [Actor]>('complete');
/** A recall request from the sender reached this recipient (status 13 here). */
export const recallRequestSignal = defineSignal<[{ reason: string; at: string }]>('recallRequest');
export const agreeRecallUpdate = defineUpdate<ActionOutcome, [Actor]>('agreeRecall');
export const refuseRecallUpdate = defineUpdate<ActionOutcome, [Actor, { reason: string }]>('refuseRecall');
export const incomingSnapshotQuery = defineQuery<IncomingSnapshot>('incomingSnapshot');
