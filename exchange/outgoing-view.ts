import { edxmlDocumentId } from '../schemas/edxml-constants';
import type { HistoryEntry } from '../schemas/document';
import type { OutgoingUpdate } from '../schemas/read-models';
import type { DocumentSnapshot, DocumentWorkflowInput } from '../schemas/exchange-messages';
import { approvalView } from './approval';
import { initialOutgoingState, type OutgoingState } from './outgoing-state';
import { recipientViews } from './recipients';

/** The read model row of an outgoing document; each call is a new version of the row. */
export function outgoingView(
  input: DocumentWorkflowInput,
  s: OutgoingState,
  hourMs: number,
  updatedAt: string,
): OutgoingUpdate {
  const amendment = input.amendment;
  return {
    id: input.documentId,
    agency: input.agency.code,
    state: s.state,
    type: input.type,
    subject: input.subject,
    number: s.number,
    notation: s.notation,
    createdBy: input.createdBy,
    createdAt: input.createdAt,
    updatedAt,
    priority: input.priority,
    dueDate: input.dueDate,
    fileName: input.fileName,
    file: s.file,
    issuedAt: s.issuedAt,
    edxmlDocumentId:
      s.number !== undefined && s.notation && s.issuedAt
        ? edxmlDocumentId(input.agency.code, s.issuedAt, s.number, s.notation)
        : undefined,
    sendFailed: s.recipients.some((r) => r.statusCode === 'SEND_FAILED') || undefined,
    approval: approvalView(s, hourMs),
    overdue: s.everOverdue || undefined,
    designatedSigner: s.designatedSigner,
    pendingSigner: s.pending?.username,
    signer: s.signerInfo,
    amendment: amendment ? { kind: amendment.kind, of: amendment.of, reason: amendment.reason } : undefined,
    supersededBy: s.superseded,
    recipients: recipientViews(s),
    version: ++s.version,
  };
}

/**
 * The row the API saves before it starts the workflow, so a new document is listed at once: the view of the
 * workflow's initial state, at version 0 so that the workflow's first write (version 1) replaces it, with an empty
 * history for the workflow's entries to be appended to.
 */
export function initialOutgoingView(
  input: DocumentWorkflowInput,
): OutgoingUpdate & { history: HistoryEntry[] } {
  // No approval flow is resolved before submission, so the stage length (hourMs) plays no part yet.
  const view = outgoingView(input, initialOutgoingState(input), 0, input.createdAt);
  return { ...view, history: [], version: 0 };
}

/** What the snapshot query answers while the workflow runs. */
export function outgoingSnapshot(
  input: DocumentWorkflowInput,
  s: OutgoingState,
  hourMs: number,
): DocumentSnapshot {
  return {
    id: input.documentId,
    state: s.state,
    file: s.file,
    number: s.number,
    notation: s.notation,
    issuedAt: s.issuedAt,
    busy: s.busy,
    approvalStep: s.step,
    flow: s.flow,
    resolvedFlow: s.resolved,
    approval: approvalView(s, hourMs),
    recipients: recipientViews(s),
    history: [...s.history],
    pendingSigning: s.pending ? { username: s.pending.username, request: s.pending.request } : undefined,
  };
}

/** What the workflow returns when it ends: the snapshot without the approval details. */
export function outgoingResult(input: DocumentWorkflowInput, s: OutgoingState): DocumentSnapshot {
  // The stage length only dates the approval view, which the result leaves out.
  const {
    resolvedFlow: _flow,
    approval: _approval,
    pendingSigning: _pending,
    ...result
  } = outgoingSnapshot(input, s, 0);
  return result;
}
