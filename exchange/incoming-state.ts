import { incomingId } from '../schemas/document-constants';
import type {
  AmendmentKind,
  FileRef,
  HistoryEntry,
  IncomingState,
  StatusCode,
  SupersededBy,
  VerificationSummary,
} from '../schemas/document';
import type { IncomingVerificationDetails } from '../schemas/audit-events';
import type { IncomingUpdate } from '../schemas/read-models';
import type { IncomingSnapshot, RecallRequest, ReceivedDocumentInput } from '../schemas/exchange-messages';

/** The recipient's state after sending a status; recall answers leave it unchanged except 15 (recalled). */
export const STATE_OF: Partial<Record<StatusCode, IncomingState>> = {
  '01': 'RECEIVED',
  '02': 'REJECTED',
  '03': 'ACCEPTED',
  '04': 'ASSIGNED',
  '05': 'PROCESSING',
  '06': 'COMPLETED',
  '15': 'RECALLED',
};

/** BusinessDocType of an amendment: 2 updates, 3 replaces an earlier document. */
export const KIND_OF: Partial<Record<number, AmendmentKind>> = { 2: 'update', 3: 'replace' };

export interface IncomingRecall {
  reason: string;
  requestedAt: string;
  answer?: '15' | '16';
  answerReason?: string;
}

/** Everything a received copy ("văn bản đến") knows, in one object. */
export interface ReceivedState {
  state: IncomingState;
  statusCode?: StatusCode;
  /** The receipt checks ran (hash, signatures); steps wait for them. */
  verified: boolean;
  verification?: VerificationSummary;
  file?: FileRef;
  incomingNumber?: number;
  assignee?: string;
  reason?: string;
  busy: boolean;
  recall?: IncomingRecall;
  /** A recall request arrived and is not recorded yet. */
  recallArrived: boolean;
  /** A newer version of this document arrived and verified: this copy is superseded. */
  superseded?: SupersededBy;
  version: number;
  auditSeq: number;
  history: HistoryEntry[];
}

export const initialReceivedState = (): ReceivedState => ({
  state: 'RECEIVED',
  verified: false,
  busy: false,
  recallArrived: false,
  version: 0,
  auditSeq: 0,
  history: [],
});

/** The amendment a received envelope carries and the inbox id of the copy it supersedes, if any. */
export function amendmentOf(input: ReceivedDocumentInput): { kind?: AmendmentKind; supersedes?: string } {
  const env = input.envelope;
  const kind = KIND_OF[env.businessDocType];
  return {
    kind,
    supersedes: kind && env.replaces ? incomingId(env.from.code, env.replaces.messageId) : undefined,
  };
}

/** A status was sent: the copy's status code and, for processing statuses, its state follow. */
export function applySentStatus(s: ReceivedState, code: StatusCode): void {
  s.statusCode = code;
  s.state = STATE_OF[code] ?? s.state;
}

/** A recall request is taken unless the copy was rejected, superseded or already recalled. */
export function takeRecallRequest(s: ReceivedState, req: RecallRequest): void {
  if (s.recall || s.state === 'REJECTED' || s.superseded) return;
  s.recall = { reason: req.reason, requestedAt: req.at };
  s.recallArrived = true;
}

/**
 * `details` of the receipt's `incoming.verified` / `incoming.verification_failed` event: the structured verdict the
 * KPIs count by, next to the human reason. A summary from a history recorded before verdicts has none, and the
 * event is written without one, as it was then.
 */
export function verificationDetails(
  input: ReceivedDocumentInput,
  verification: VerificationSummary,
  file: FileRef | undefined,
): IncomingVerificationDetails {
  const { kind } = amendmentOf(input);
  return {
    ...(kind ? { businessDocType: input.envelope.businessDocType } : {}),
    ok: verification.ok,
    reason: verification.reason,
    ...(verification.verdict ? { verdict: verification.verdict } : {}),
    hashMatches: verification.hashMatches,
    sha256: file?.sha256,
  };
}

/** The copy is done: a final state and no step running. */
export const isClosed = (s: ReceivedState): boolean =>
  (s.state === 'COMPLETED' || s.state === 'REJECTED' || s.state === 'RECALLED') && !s.busy;

/** The read model row of a received copy; each call is a new version of the row. */
export function incomingView(
  input: ReceivedDocumentInput,
  s: ReceivedState,
  workflowId: string,
  updatedAt: string,
): IncomingUpdate {
  const env = input.envelope;
  return {
    id: input.inboxId,
    agency: input.recipient.code,
    messageId: env.messageId,
    workflowId,
    state: s.state,
    statusCode: s.statusCode ?? '01',
    from: { code: env.from.code, name: env.from.name },
    subject: env.subject,
    type: env.documentType.name,
    number: env.code.number,
    notation: env.code.notation,
    incomingNumber: s.incomingNumber,
    assignee: s.assignee,
    receivedAt: input.receivedAt,
    updatedAt,
    edxmlDocumentId: env.documentId,
    file: s.file,
    reason: s.reason,
    recall: s.recall,
    businessDocType: env.businessDocType,
    supersedes: amendmentOf(input).supersedes,
    supersededBy: s.superseded,
    version: ++s.version,
  };
}

export function incomingSnapshot(input: ReceivedDocumentInput, s: ReceivedState): IncomingSnapshot {
  return {
    id: input.inboxId,
    state: s.state,
    statusCode: s.statusCode,
    verified: s.verified,
    verification: s.verification,
    incomingNumber: s.incomingNumber,
    assignee: s.assignee,
    history: [...s.history],
  };
}
