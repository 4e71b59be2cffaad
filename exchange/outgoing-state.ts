import type { PreparedSignatureState } from '../schemas/signing';
import type {
  ApprovalFlow,
  DocumentState,
  FileRef,
  HistoryEntry,
  RecipientStatusCode,
  SigningRequest,
  SupersededBy,
} from '../schemas/document';
import type { StatusMessage } from '../schemas/edxml';
import type { ResolvedFlow } from '../schemas/flow';
import type { DocumentWorkflowInput } from '../schemas/exchange-messages';

/** One recipient of an outgoing document as the sender tracks it. */
export interface RecipientTrack {
  code: string;
  name: string;
  statusCode: RecipientStatusCode;
  statusAt: string | null;
  reason?: string;
  attempts: number;
  lastSentAt?: number;
  recall?: '13' | '15' | '16';
  recallReason?: string;
}

export interface SignerDetails {
  fullName: string;
  title: string;
  competence: string;
}

export interface PendingSigning {
  username: string;
  prepared: FileRef;
  state: PreparedSignatureState;
  request: SigningRequest;
}

/**
 * Everything an outgoing document ("văn bản đi") knows, in one object: the workflow holds one and changes it only
 * through the rules of this module (and its own bookkeeping fields `busy`, `version`, `auditSeq`).
 */
export interface OutgoingState {
  state: DocumentState;
  file: FileRef;
  /** The role-step flow of documents submitted before patch `flow-stages-v1`. */
  flow?: ApprovalFlow;
  step: number;
  /** The approval flow resolved at submission (patch `flow-stages-v1`): its stages with concrete approvers. */
  resolved?: ResolvedFlow;
  approvals: string[];
  stageStartedAt: number;
  /** Changes whenever the open stage changes (advance, escalation, migration, re-routing): stale timers stop. */
  stageEpoch: number;
  reminded: boolean;
  stageOverdue: boolean;
  escalated: boolean;
  everOverdue: boolean;
  designatedSigner?: string;
  /** A step that calls activities is running: a second step is refused meanwhile (CONFLICT). */
  busy: boolean;
  issued: boolean;
  number?: number;
  notation?: string;
  issuedAt?: string;
  signerInfo?: SignerDetails;
  /** Set when a newer version of this document was dispatched. */
  superseded?: SupersededBy;
  pending?: PendingSigning;
  /** Set once a recall was requested. */
  recallReason?: string;
  version: number;
  auditSeq: number;
  history: HistoryEntry[];
  /** Statuses and recall answers received and not yet applied, in arrival order. */
  inbox: StatusMessage[];
  recipients: RecipientTrack[];
}

/** The state a document workflow starts in; an update carries the signed and issued file: straight to dispatch. */
export function initialOutgoingState(input: DocumentWorkflowInput): OutgoingState {
  const amendment = input.amendment;
  const isUpdate = amendment?.kind === 'update';
  return {
    state: isUpdate ? 'SIGNED' : 'DRAFT',
    file: input.file,
    step: 0,
    approvals: [],
    stageStartedAt: 0,
    stageEpoch: 0,
    reminded: false,
    stageOverdue: false,
    escalated: false,
    everOverdue: false,
    busy: false,
    issued: isUpdate,
    number: isUpdate ? amendment.keep?.number : undefined,
    notation: isUpdate ? amendment.keep?.notation : undefined,
    issuedAt: isUpdate ? amendment.keep?.issuedAt : undefined,
    signerInfo: isUpdate ? amendment.signer : undefined,
    version: 0,
    auditSeq: 0,
    history: [],
    inbox: [],
    recipients: input.recipients.map((r) => ({
      code: r.code,
      name: r.name,
      statusCode: 'PENDING',
      statusAt: null,
      attempts: 0,
    })),
  };
}
