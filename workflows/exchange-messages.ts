import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  Actor,
  ApprovalFlow,
  DocumentState,
  DocumentType,
  FileRef,
  HistoryEntry,
  IncomingState,
  RecipientView,
  SignatureSubmission,
  SigningRequest,
  StatusCode,
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
export const recipientStatusSignal = defineSignal<[StatusMessage]>('recipientStatus');
export const documentSnapshotQuery = defineQuery<DocumentSnapshot>('snapshot');

export interface ReceivedDocumentInput {
  envelope: Envelope;
  recipient: AgencyRef;
  inboxId: string;
  receivedAt: string;
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
export const incomingSnapshotQuery = defineQuery<IncomingSnapshot>('incomingSnapshot');
