import type { ResolvedFlow } from './flow';
import type {
  AmendmentKind,
  ApprovalFlow,
  ApprovalView,
  DocumentState,
  DocumentType,
  FileRef,
  HistoryEntry,
  IncomingState,
  RecipientView,
  SignerInfo,
  SigningRequest,
  StatusCode,
  VerificationSummary,
} from './document';
import type { Envelope } from './edxml';

/**
 * Inputs, snapshots and message payloads of the exchange workflows. They live here, not in workflows/, so the pure
 * rules (exchange/) and the API can type them without depending on the workflows; the signal, update and query
 * definitions that carry them stay in workflows/exchange-messages.ts, which re-exports these.
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

/** A leadership change: work waiting on `leaver` goes to `successor`, or back to the drafter. */
export interface RerouteRequest {
  leaver: string;
  successor?: string;
  changeId: string;
}

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

/** Payload of a recall request that reached a recipient (`recallRequestSignal`). */
export interface RecallRequest {
  reason: string;
  at: string;
}

/** Body of the steps that need a reason (reject, return, recall, refuse a recall). */
export interface ReasonBody {
  reason: string;
}
