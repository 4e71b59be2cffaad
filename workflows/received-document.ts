import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  amendmentOf,
  applySentStatus,
  checkIncoming,
  incomingSnapshot,
  incomingView,
  initialReceivedState,
  isClosed,
  stepStates,
  takeRecallRequest,
  verificationDetails,
  type IncomingCommand,
  type ReceivedState,
} from '../exchange';
import type { CommandBody } from '../exchange/outgoing-commands';
import type { AuditEventInput } from '../schemas/audit';
import type { IncomingEventType } from '../schemas/audit-events';
import { receivedWorkflowId } from '../schemas/document-constants';
import type {
  Actor,
  AmendmentKind,
  HistoryEntry,
  IncomingState,
  StatusCode,
  SupersededBy,
} from '../schemas/document';
import { STATUS_VERSION } from '../schemas/edxml-constants';
import {
  acceptUpdate,
  agreeRecallUpdate,
  assignUpdate,
  completeUpdate,
  incomingSnapshotQuery,
  processUpdate,
  recallRequestSignal,
  refuseRecallUpdate,
  rejectIncomingUpdate,
  supersededSignal,
  BATCHED_RECORDS_PATCH,
  FOLLOW_UP_PATCH,
  RECALL_ANSWER_DAYS,
  type ActionOutcome,
  type IncomingSnapshot,
  type ReceivedDocumentInput,
} from './exchange-messages';
import {
  auditEventsOf,
  DAY_MS,
  heavy,
  quick,
  refuse,
  rethrow,
  throwIfRefused,
  type WorkflowEvent,
} from './exchange-steps';

/** What every step of one received copy works with: its input, its workflow id and its state object. */
interface Copy {
  input: ReceivedDocumentInput;
  workflowId: string;
  s: ReceivedState;
}

const nowIso = () => new Date().toISOString();

/** One event of the received copy, as `record` and `recordAll` take it. */
type IncomingEvent = WorkflowEvent<IncomingEventType, IncomingState>;

/** Audits one event and refreshes the read model (one idempotent activity; id = workflow id + sequence). */
async function record(
  c: Copy,
  type: IncomingEventType,
  actor: string,
  details: Record<string, unknown> = {},
  comment?: string,
): Promise<void> {
  const [event] = auditEvents(c, [{ type, actor, details, comment }]);
  await quick.recordDocumentEvent({
    event: event!.event,
    incoming: incomingView(c.input, c.s, c.workflowId, nowIso()),
    entry: event!.entry,
  });
}

/** Audits several events in one activity (patch `batched-records-v1`): one append, one read-model write. */
async function recordAll(c: Copy, events: IncomingEvent[]): Promise<void> {
  const audited = auditEvents(c, events);
  await quick.recordDocumentEvents({
    events: audited.map((a) => a.event),
    incoming: incomingView(c.input, c.s, c.workflowId, nowIso()),
    entries: audited.map((a) => a.entry),
  });
}

/** The audit events and history lines of `events` (see `auditEventsOf`); each names the sender and its message. */
function auditEvents(c: Copy, events: IncomingEvent[]): { event: AuditEventInput; entry: HistoryEntry }[] {
  const { input } = c;
  const target = {
    workflowId: c.workflowId,
    agency: input.recipient.code,
    documentId: input.inboxId,
    details: { from: input.envelope.from.code, messageId: input.envelope.messageId },
  };
  return auditEventsOf(c.s, target, events, nowIso());
}

/** Sends an edXML status to the sender over NATS and audits it. */
async function sendStatus(c: Copy, code: StatusCode, actor: string, why?: string): Promise<void> {
  const sent = await publishStatus(c, code, actor, why);
  await record(c, sent.type, sent.actor, sent.details, sent.comment);
}

/** Sends an edXML status to the sender over NATS; returns the event that audits it. */
async function publishStatus(c: Copy, code: StatusCode, actor: string, why?: string): Promise<IncomingEvent> {
  const { input } = c;
  applySentStatus(c.s, code);
  const at = nowIso();
  await quick.sendStatus({
    msgId: `${c.workflowId}:${code}`,
    status: {
      version: STATUS_VERSION,
      messageId: input.envelope.messageId,
      edxmlDocumentId: input.envelope.documentId,
      from: { code: input.recipient.code, name: input.recipient.name },
      to: input.envelope.from.code,
      statusCode: code,
      reason: why,
      staff: actor,
      at,
    },
  });
  // The message's own time goes into the audit event too, so an evidence bundle can restate the status exactly.
  return {
    type: 'incoming.status_sent',
    actor,
    details: { statusCode: code, reason: why, at },
    comment: why,
    state: c.s.state,
  };
}

/**
 * Runs a step exclusively. A step that arrives while the receipt checks still run waits for them, then is refused
 * if the automatic verification rejected the document meanwhile.
 */
async function exclusive<T>(c: Copy, states: readonly IncomingState[], work: () => Promise<T>): Promise<T> {
  c.s.busy = true;
  try {
    await condition(() => c.s.verified);
    if (!states.includes(c.s.state)) refuse('WRONG_STATE', `not allowed in state ${c.s.state}`);
    return await work();
  } catch (err) {
    rethrow(err);
  } finally {
    c.s.busy = false;
  }
}

const outcome = (c: Copy): ActionOutcome => ({ state: c.s.state });

/** The validator of a command: the command table's check. */
const validator =
  (c: Copy, cmd: IncomingCommand) =>
  (actor: Actor, body?: unknown): void =>
    throwIfRefused(checkIncoming(c.input.recipient.code, c.s, cmd, actor, body as CommandBody | undefined));

function setStepHandlers(c: Copy): void {
  const { input, s } = c;
  setHandler(
    acceptUpdate,
    (actor, body) =>
      exclusive(c, stepStates('accept'), async () => {
        s.incomingNumber = await quick.assignIncomingNumber({
          agency: input.recipient.code,
          year: Number(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 4)),
          documentKey: c.workflowId,
          requested: body.incomingNumber,
        });
        await sendStatus(c, '03', actor.username);
        return { ...outcome(c), incomingNumber: s.incomingNumber };
      }),
    { validator: validator(c, 'accept') },
  );
  setHandler(
    rejectIncomingUpdate,
    (actor, body) =>
      exclusive(c, stepStates('reject'), async () => {
        s.reason = body.reason;
        await sendStatus(c, '02', actor.username, body.reason);
        return outcome(c);
      }),
    { validator: validator(c, 'reject') },
  );
  setHandler(
    assignUpdate,
    (actor, body) =>
      exclusive(c, stepStates('assign'), async () => {
        s.assignee = body.username;
        await sendStatus(c, '04', actor.username, undefined);
        return outcome(c);
      }),
    { validator: validator(c, 'assign') },
  );
  const statusStep = (cmd: IncomingCommand, code: StatusCode) => (actor: Actor) =>
    exclusive(c, stepStates(cmd), async () => {
      await sendStatus(c, code, actor.username);
      return outcome(c);
    });
  setHandler(processUpdate, statusStep('process', '05'), { validator: validator(c, 'process') });
  setHandler(completeUpdate, statusStep('complete', '06'), { validator: validator(c, 'complete') });
}

function setRecallHandlers(c: Copy): void {
  const { s } = c;
  setHandler(
    agreeRecallUpdate,
    (actor) =>
      exclusive(c, stepStates('agreeRecall'), async () => {
        s.recall = { ...s.recall!, answer: '15' };
        // The received copy is kept for the record but is no longer actionable.
        await sendStatus(c, '15', actor.username);
        return outcome(c);
      }),
    { validator: validator(c, 'agreeRecall') },
  );
  setHandler(
    refuseRecallUpdate,
    (actor, body) =>
      exclusive(c, stepStates('refuseRecall'), async () => {
        s.recall = { ...s.recall!, answer: '16', answerReason: body.reason };
        const keep = s.statusCode;
        await sendStatus(c, '16', actor.username, body.reason);
        s.statusCode = keep;
        return outcome(c);
      }),
    { validator: validator(c, 'refuseRecall') },
  );
}

function setHandlers(c: Copy): void {
  const { input, s } = c;
  setHandler(incomingSnapshotQuery, () => incomingSnapshot(input, s));
  setStepHandlers(c);
  setHandler(supersededSignal, (by) => {
    if (!s.superseded && by.id !== input.inboxId) s.superseded = by;
  });
  setHandler(recallRequestSignal, (req) => takeRecallRequest(s, req));
  setRecallHandlers(c);
}

/** Marks the earlier received copy superseded: through its workflow if open, else its read model. */
async function supersedeEarlier(c: Copy, earlier: string, kind: AmendmentKind): Promise<void> {
  const { input } = c;
  const env = input.envelope;
  const by: SupersededBy = { id: input.inboxId, kind, at: nowIso() };
  try {
    await getExternalWorkflowHandle(
      receivedWorkflowId(input.recipient.code, env.from.code, env.replaces!.messageId),
    ).signal(supersededSignal, by);
  } catch {
    await quick.markSuperseded({
      side: 'incoming',
      agency: input.recipient.code,
      id: earlier,
      by,
      eventId: `${c.workflowId}#supersedes`,
    });
  }
  await record(c, 'incoming.supersedes', 'system', { of: earlier, kind }, env.description);
}

/** Receipt: fetch, hash and signature checks, `01`, and `02` when a check failed; then supersede the earlier copy. */
async function receive(c: Copy): Promise<void> {
  const { input, s } = c;
  const env = input.envelope;
  const { kind, supersedes } = amendmentOf(input);
  const received = {
    attempt: env.attempt,
    edxmlDocumentId: env.documentId,
    ...(kind ? { businessDocType: env.businessDocType, supersedes } : {}),
  };
  const check = () =>
    heavy.fetchAndVerifyIncoming({ envelope: env, recipient: input.recipient.code, inboxId: input.inboxId });
  if (patched(BATCHED_RECORDS_PATCH)) {
    // The checks do not wait for the arrival to be audited, and `01` leaves as soon as they are done.
    const [, checked] = await Promise.all([record(c, 'incoming.received', 'system', received), check()]);
    s.file = checked.file;
    const verification = (s.verification = checked.verification);
    const checkedEvent: IncomingEvent = {
      type: verification.ok ? 'incoming.verified' : 'incoming.verification_failed',
      actor: 'system',
      details: verificationDetails(input, verification, s.file),
      state: s.state,
    };
    const statuses = [await publishStatus(c, '01', 'system')];
    if (!verification.ok) {
      s.reason = verification.reason ?? 'verification failed';
      statuses.push(await publishStatus(c, '02', 'system', s.reason));
    }
    await recordAll(c, [checkedEvent, ...statuses]);
  } else {
    await record(c, 'incoming.received', 'system', received);
    const checked = await check();
    s.file = checked.file;
    const verification = (s.verification = checked.verification);
    await record(
      c,
      verification.ok ? 'incoming.verified' : 'incoming.verification_failed',
      'system',
      verificationDetails(input, verification, s.file),
    );
    await sendStatus(c, '01', 'system');
    if (!verification.ok) {
      s.reason = verification.reason ?? 'verification failed';
      await sendStatus(c, '02', 'system', s.reason);
    }
  }
  s.verified = true;
  // An update or replacement that verified supersedes the copy of the earlier version held here.
  if (supersedes && kind && s.verification?.ok) await supersedeEarlier(c, supersedes, kind);
}

/** Records a recall request that arrived and tells everyone who holds the copy (patched: new histories). */
async function recallRequested(c: Copy): Promise<void> {
  const { input, s } = c;
  const env = input.envelope;
  s.recallArrived = false;
  await record(
    c,
    'incoming.recall_requested',
    'system',
    { statusCode: '13', reason: s.recall!.reason },
    s.recall!.reason,
  );
  if (patched(FOLLOW_UP_PATCH))
    await quick.notifyHolders({
      agency: input.recipient.code,
      documentId: input.inboxId,
      kind: 'recall_requested',
      key: `${c.workflowId}:recall`,
      message: `${env.from.name} đề nghị thu hồi văn bản số ${env.code.number}/${env.code.notation}: ${s.recall!.reason}`,
    });
}

/** A newer version arrived: once no step is running, this copy is no longer actionable. */
async function closeAsSuperseded(c: Copy, by: SupersededBy): Promise<void> {
  const { input, s } = c;
  const env = input.envelope;
  await condition(() => !s.busy);
  s.state = 'SUPERSEDED';
  await record(c, 'incoming.superseded', 'system', { by: by.id, kind: by.kind });
  await quick.notifyHolders({
    agency: input.recipient.code,
    documentId: input.inboxId,
    kind: 'superseded',
    key: `${c.workflowId}:superseded`,
    message: `Văn bản số ${env.code.number}/${env.code.notation} của ${env.from.name} đã được ${by.kind === 'update' ? 'cập nhật' : 'thay thế'} bởi văn bản mới`,
  });
}

/**
 * The follow-up window: a completed copy can still be recalled or superseded. A recall that arrives gives the clerk
 * at least RECALL_ANSWER_DAYS to answer it.
 */
async function followUp(c: Copy): Promise<void> {
  const { s } = c;
  let windowEnd = Date.now() + 2 * (c.input.followUpDays ?? 365) * DAY_MS;
  const completed = () => (s.state as IncomingState) === 'COMPLETED';
  while (completed() && !s.superseded) {
    const left = windowEnd - Date.now();
    if (left <= 0) break;
    await condition(() => s.recallArrived || s.superseded !== undefined || !completed(), left);
    if (s.recallArrived) {
      windowEnd = Math.max(windowEnd, Date.now() + RECALL_ANSWER_DAYS * DAY_MS);
      await recallRequested(c);
    }
  }
  if (s.superseded) await closeAsSuperseded(c, s.superseded);
}

/**
 * One received document ("văn bản đến") at one recipient agency. Started by the agency's JetStream consumer with
 * the deterministic id `recv:<recipient>:<sender>_<documentId>`, so a duplicate delivery starts nothing new.
 *
 * Fetches the payload from the Object Store, checks its SHA-256, verifies every signature against the trust
 * anchors and CRLs at receipt time, stores the report and sends `01`; a failed check is auto-rejected with `02` and
 * the report's reason. Then the clerk accepts (`03`, incoming number) or rejects (`02`), assigns (`04`), and the
 * assignee processes (`05`) and completes (`06`). Each status goes back to the sender over NATS. The rules live in
 * `exchange/`; this is the shell that runs them.
 */
export async function receivedDocumentWorkflow(input: ReceivedDocumentInput): Promise<IncomingSnapshot> {
  const c: Copy = { input, workflowId: workflowInfo().workflowId, s: initialReceivedState() };
  const { s } = c;
  setHandlers(c);
  await receive(c);
  // A recall request is recorded when it arrives; documents never recalled wait here exactly as before.
  while (!isClosed(s) && !s.superseded) {
    await condition(() => isClosed(s) || s.recallArrived || s.superseded !== undefined);
    if (s.recallArrived) await recallRequested(c);
  }
  if (s.superseded) await closeAsSuperseded(c, s.superseded);
  else if ((s.state as IncomingState) === 'COMPLETED' && patched(FOLLOW_UP_PATCH)) await followUp(c);
  await condition(allHandlersFinished);
  return incomingSnapshot(input, s);
}
