import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Actor, SignatureSubmission, SigningRequest, SupersededBy } from '../schemas/document';
import type { StatusMessage } from '../schemas/edxml';
import type {
  ActionOutcome,
  DocumentSnapshot,
  IncomingSnapshot,
  ReasonBody,
  RecallRequest,
  RerouteRequest,
} from '../schemas/exchange-messages';

/**
 * Messages of the exchange workflows, shared by the workflows and the API (one module, so names never drift).
 * Human steps are updates with validators: a wrong role, state or user is refused before it enters history, with an
 * `ApplicationFailure` whose type is the error code (FORBIDDEN, WRONG_STATE) the API maps to HTTP.
 * The types they carry live in schemas/exchange-messages.ts (the pure rules use them too), re-exported here so
 * existing importers keep working.
 */
export type {
  ActionOutcome,
  AgencyRef,
  AmendmentInput,
  DocumentSnapshot,
  DocumentWorkflowInput,
  ExchangeTiming,
  IncomingSnapshot,
  ReasonBody,
  RecallRequest,
  ReceivedDocumentInput,
  RerouteRequest,
} from '../schemas/exchange-messages';

/**
 * Patch of the post-dispatch follow-up (both exchange workflows): a completed document stays open so it can still
 * be recalled, updated or replaced, and the holders of a received copy are notified of a recall. Histories
 * recorded before it replay as they ran.
 */
export const FOLLOW_UP_PATCH = 'follow-up-v1';

/**
 * Patch of batched records (both exchange workflows): the sender dispatches to every recipient at once and audits
 * the dispatches in one activity, statuses that arrived together are audited together, and a recipient sends `01`
 * as soon as the checks are done, auditing the check and the status together. Fewer activities one after another:
 * a document's latency no longer grows by two round trips per recipient. Histories recorded before it replay as
 * they ran.
 */
export const BATCHED_RECORDS_PATCH = 'batched-records-v1';

/**
 * Patch of the clerk's issue: the number is taken from the register while the organisation signature is applied
 * (the signature does not carry the number), and both are audited in one activity. Histories recorded before it
 * replay as they ran.
 */
export const PARALLEL_ISSUE_PATCH = 'parallel-issue-v1';

/** Days a recall that arrives late in the follow-up window keeps a document open for its answers. */
export const RECALL_ANSWER_DAYS = 30;

export const submitUpdate = defineUpdate<ActionOutcome, [Actor]>('submit');
export const approveUpdate = defineUpdate<ActionOutcome, [Actor, { comment?: string }]>('approve');
export const rejectUpdate = defineUpdate<ActionOutcome, [Actor, ReasonBody]>('reject');
export const signUpdate = defineUpdate<ActionOutcome, [Actor]>('sign');
export const requestSigningUpdate = defineUpdate<SigningRequest, [Actor]>('requestSigning');
export const submitSignatureUpdate = defineUpdate<ActionOutcome, [Actor, SignatureSubmission]>(
  'submitSignature',
);
export const issueUpdate = defineUpdate<ActionOutcome, [Actor]>('issue');
export const withdrawUpdate = defineUpdate<ActionOutcome, [Actor]>('withdraw');
/** An administrator moves an in-flight document to the newest active version of its flow (pending stages only). */
export const migrateFlowUpdate = defineUpdate<ActionOutcome, [Actor]>('migrateFlow');

/** A leadership change: work waiting on the leaver moves (RerouteRequest). */
export const rerouteUpdate = defineUpdate<ActionOutcome, [Actor, RerouteRequest]>('reroute');
export const recipientStatusSignal = defineSignal<[StatusMessage]>('recipientStatus');
/** The sender's clerk recalls a dispatched document (edXML BusinessDocType 1). */
export const recallUpdate = defineUpdate<ActionOutcome, [Actor, ReasonBody]>('recall');
/** A newer version (update or replacement) was dispatched: the sender's or a recipient's copy is superseded. */
export const supersededSignal = defineSignal<[SupersededBy]>('superseded');
export const documentSnapshotQuery = defineQuery<DocumentSnapshot>('snapshot');

export const acceptUpdate = defineUpdate<
  ActionOutcome & { incomingNumber: number },
  [Actor, { incomingNumber?: number }]
>('accept');
export const rejectIncomingUpdate = defineUpdate<ActionOutcome, [Actor, ReasonBody]>('rejectIncoming');
export const assignUpdate = defineUpdate<ActionOutcome, [Actor, { username: string }]>('assign');
export const processUpdate = defineUpdate<ActionOutcome, [Actor]>('process');
export const completeUpdate = defineUpdate<ActionOutcome, [Actor]>('complete');
/** A recall request from the sender reached this recipient (status 13 here). */
export const recallRequestSignal = defineSignal<[RecallRequest]>('recallRequest');
export const agreeRecallUpdate = defineUpdate<ActionOutcome, [Actor]>('agreeRecall');
export const refuseRecallUpdate = defineUpdate<ActionOutcome, [Actor, ReasonBody]>('refuseRecall');
export const incomingSnapshotQuery = defineQuery<IncomingSnapshot>('incomingSnapshot');
