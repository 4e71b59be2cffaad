import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  incomingId,
  receivedWorkflowId,
  type Actor,
  type AmendmentKind,
  type FileRef,
  type HistoryEntry,
  type IncomingState,
  type StatusCode,
  type SupersededBy,
  type VerificationSummary,
} from '../schemas/document';
import { STATUS_VERSION } from '../schemas/edxml';
import type { Role } from '../schemas/identity';
import type { IncomingUpdate } from '../store/document-store';
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
  FOLLOW_UP_PATCH,
  RECALL_ANSWER_DAYS,
  type ActionOutcome,
  type IncomingSnapshot,
  type ReceivedDocumentInput,
} from './exchange-messages';
import { DAY_MS, heavy, quick, refuse, rethrow } from './exchange-steps';

/** The recipient's state after sending a status; recall answers leave it unchanged except 15 (recalled). */
const STATE_OF: Partial<Record<StatusCode, IncomingState>> = {
  '01': 'RECEIVED',
  '02': 'REJECTED',
  '03': 'ACCEPTED',
  '04': 'ASSIGNED',
  '05': 'PROCESSING',
  '06': 'COMPLETED',
  '15': 'RECALLED',
};

const KIND_OF: Partial<Record<number, AmendmentKind>> = { 2: 'update', 3: 'replace' };

/**
 * One received document ("văn bản đến") at one recipient agency. Started by the agency's JetStream consumer with
 * the deterministic id `recv:<recipient>:<sender>_<documentId>`, so a duplicate delivery starts nothing new.
 *
 * Fetches the payload from the Object Store, checks its SHA-256, verifies every signature against the trust
 * anchors and CRLs at receipt time, stores the report and sends `01`; a failed check is auto-rejected with `02` and
 * the report's reason. Then the clerk accepts (`03`, incoming number) or rejects (`02`), assigns (`04`), and the
 * assignee processes (`05`) and completes (`06`). Each status goes back to the sender over NATS.
 */
export async function receivedDocumentWorkflow(input: ReceivedDocumentInput): Promise<IncomingSnapshot> {
  const workflowId = workflowInfo().workflowId;
  const env = input.envelope;
  let state: IncomingState = 'RECEIVED';
  let statusCode: StatusCode | undefined;
  let verified = false;
  let verification: VerificationSummary | undefined = undefined;
  let file: FileRef | undefined = undefined;
  let incomingNumber: number | undefined;
  let assignee: string | undefined;
  let reason: string | undefined;
  let busy = false;
  let recall:
    { reason: string; requestedAt: string; answer?: '15' | '16'; answerReason?: string } | undefined;
  let recallArrived = false;
  /** A newer version of this document arrived and verified: this copy is superseded. */
  let superseded: SupersededBy | undefined;
  const amendmentKind = KIND_OF[env.businessDocType];
  const supersedes =
    amendmentKind && env.replaces ? incomingId(env.from.code, env.replaces.messageId) : undefined;
  let version = 0;
  let auditSeq = 0;
  const history: HistoryEntry[] = [];
  const nowIso = () => new Date().toISOString();

  const view = (): IncomingUpdate => ({
    id: input.inboxId,
    agency: input.recipient.code,
    messageId: env.messageId,
    workflowId,
    state,
    statusCode: statusCode ?? '01',
    from: { code: env.from.code, name: env.from.name },
    subject: env.subject,
    type: env.documentType.name,
    number: env.code.number,
    notation: env.code.notation,
    incomingNumber,
    assignee,
    receivedAt: input.receivedAt,
    updatedAt: nowIso(),
    edxmlDocumentId: env.documentId,
    file,
    reason,
    recall,
    businessDocType: env.businessDocType,
    supersedes,
    supersededBy: superseded,
    version: ++version,
  });

  const record = async (
    type: string,
    actor: string,
    details: Record<string, unknown> = {},
    comment?: string,
  ) => {
    const at = nowIso();
    const entry: HistoryEntry = { at, event: type, actor, state, comment };
    history.push(entry);
    await quick.recordDocumentEvent({
      event: {
        id: `${workflowId}#${++auditSeq}`,
        time: at,
        agency: input.recipient.code,
        actor,
        type,
        documentId: input.inboxId,
        details: { state, from: env.from.code, messageId: env.messageId, ...details },
      },
      incoming: view(),
      entry,
    });
  };

  const sendStatus = async (code: StatusCode, actor: string, why?: string) => {
    statusCode = code;
    state = STATE_OF[code] ?? state;
    await quick.sendStatus({
      msgId: `${workflowId}:${code}`,
      status: {
        version: STATUS_VERSION,
        messageId: env.messageId,
        edxmlDocumentId: env.documentId,
        from: { code: input.recipient.code, name: input.recipient.name },
        to: env.from.code,
        statusCode: code,
        reason: why,
        staff: actor,
        at: nowIso(),
      },
    });
    await record('incoming.status_sent', actor, { statusCode: code, reason: why }, why);
  };

  const requireAgency = (actor: Actor) => {
    if (actor.agency !== input.recipient.code) refuse('FORBIDDEN', 'the document belongs to another agency');
  };
  const requireRole = (actor: Actor, ...roles: Role[]) => {
    requireAgency(actor);
    if (!actor.roles.some((r) => roles.includes(r)))
      refuse('FORBIDDEN', `this step needs one of the roles: ${roles.join(', ')}`);
  };
  const requireState = (...states: IncomingState[]) => {
    if (busy) refuse('CONFLICT', 'another step on this document is in progress');
    if (!states.includes(state)) refuse('WRONG_STATE', `not allowed in state ${state}`);
  };
  const requireAssignee = (actor: Actor) => {
    requireAgency(actor);
    if (actor.username !== assignee) refuse('FORBIDDEN', 'only the assigned person may do this');
  };
  const outcome = (): ActionOutcome => ({ state });
  /**
   * Runs a step exclusively. A step that arrives while the receipt checks still run waits for them, then is
   * refused if the automatic verification rejected the document meanwhile.
   */
  const exclusive = async <T>(work: () => Promise<T>, states: IncomingState[] = ['RECEIVED']): Promise<T> => {
    busy = true;
    try {
      await condition(() => verified);
      if (!states.includes(state)) refuse('WRONG_STATE', `not allowed in state ${state}`);
      return await work();
    } catch (err) {
      rethrow(err);
    } finally {
      busy = false;
    }
  };

  setHandler(incomingSnapshotQuery, () => ({
    id: input.inboxId,
    state,
    statusCode,
    verified,
    verification,
    incomingNumber,
    assignee,
    history: [...history],
  }));

  setHandler(
    acceptUpdate,
    (actor, body) =>
      exclusive(async () => {
        incomingNumber = await quick.assignIncomingNumber({
          agency: input.recipient.code,
          year: Number(new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 4)),
          documentKey: workflowId,
          requested: body.incomingNumber,
        });
        await sendStatus('03', actor.username);
        return { ...outcome(), incomingNumber };
      }),
    {
      validator: (actor, _body) => {
        requireRole(actor, 'clerk');
        requireState('RECEIVED');
      },
    },
  );

  setHandler(
    rejectIncomingUpdate,
    (actor, body) =>
      exclusive(async () => {
        reason = body.reason;
        await sendStatus('02', actor.username, body.reason);
        return outcome();
      }),
    {
      validator: (actor, body) => {
        requireRole(actor, 'clerk');
        requireState('RECEIVED');
        if (!body.reason?.trim()) refuse('WRONG_STATE', 'a reason is required');
      },
    },
  );

  setHandler(
    assignUpdate,
    (actor, body) =>
      exclusive(async () => {
        assignee = body.username;
        await sendStatus('04', actor.username, undefined);
        return outcome();
      }, ['ACCEPTED', 'ASSIGNED']),
    {
      validator: (actor, _body) => {
        requireRole(actor, 'clerk', 'leadership', 'approver', 'signer');
        requireState('ACCEPTED', 'ASSIGNED');
      },
    },
  );

  setHandler(
    processUpdate,
    (actor) =>
      exclusive(async () => {
        await sendStatus('05', actor.username);
        return outcome();
      }, ['ASSIGNED']),
    {
      validator: (actor) => {
        requireAssignee(actor);
        requireState('ASSIGNED');
      },
    },
  );

  setHandler(
    completeUpdate,
    (actor) =>
      exclusive(async () => {
        await sendStatus('06', actor.username);
        return outcome();
      }, ['ASSIGNED', 'PROCESSING']),
    {
      validator: (actor) => {
        requireAssignee(actor);
        requireState('ASSIGNED', 'PROCESSING');
      },
    },
  );

  setHandler(supersededSignal, (by) => {
    if (!superseded && by.id !== input.inboxId) superseded = by;
  });

  setHandler(recallRequestSignal, (req) => {
    if (recall || state === 'REJECTED' || superseded) return;
    recall = { reason: req.reason, requestedAt: req.at };
    recallArrived = true;
  });

  const requireOpenRecall = (actor: Actor) => {
    requireRole(actor, 'clerk');
    if (busy) refuse('CONFLICT', 'another step on this document is in progress');
    if (!recall) refuse('WRONG_STATE', 'the sender has not recalled this document');
    if (recall.answer) refuse('WRONG_STATE', `the recall was already answered (${recall.answer})`);
  };
  const ANSWERABLE: IncomingState[] = ['RECEIVED', 'ACCEPTED', 'ASSIGNED', 'PROCESSING', 'COMPLETED'];

  setHandler(
    agreeRecallUpdate,
    (actor) =>
      exclusive(async () => {
        recall = { ...recall!, answer: '15' };
        // The received copy is kept for the record but is no longer actionable.
        await sendStatus('15', actor.username);
        return outcome();
      }, ANSWERABLE),
    { validator: (actor) => requireOpenRecall(actor) },
  );

  setHandler(
    refuseRecallUpdate,
    (actor, body) =>
      exclusive(async () => {
        recall = { ...recall!, answer: '16', answerReason: body.reason };
        const keep = statusCode;
        await sendStatus('16', actor.username, body.reason);
        statusCode = keep;
        return outcome();
      }, ANSWERABLE),
    {
      validator: (actor, body) => {
        requireOpenRecall(actor);
        if (!body.reason?.trim()) refuse('WRONG_STATE', 'a reason is required');
      },
    },
  );

  /** Marks the earlier received copy superseded: through its workflow if open, else its read model. */
  async function supersedeEarlier(earlier: string, kind: AmendmentKind): Promise<void> {
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
        eventId: `${workflowId}#supersedes`,
      });
    }
    await record('incoming.supersedes', 'system', { of: earlier, kind }, env.description);
  }

  await record('incoming.received', 'system', {
    attempt: env.attempt,
    edxmlDocumentId: env.documentId,
    ...(amendmentKind ? { businessDocType: env.businessDocType, supersedes } : {}),
  });
  const checked = await heavy.fetchAndVerifyIncoming({
    envelope: env,
    recipient: input.recipient.code,
    inboxId: input.inboxId,
  });
  file = checked.file;
  verification = checked.verification;
  await record(verification.ok ? 'incoming.verified' : 'incoming.verification_failed', 'system', {
    ...(amendmentKind ? { businessDocType: env.businessDocType } : {}),
    ok: verification.ok,
    reason: verification.reason,
    hashMatches: verification.hashMatches,
    sha256: file?.sha256,
  });
  await sendStatus('01', 'system');
  if (!verification.ok) {
    reason = verification.reason ?? 'verification failed';
    await sendStatus('02', 'system', reason);
  }
  verified = true;
  // An update or replacement that verified supersedes the copy of the earlier version held here.
  if (supersedes && amendmentKind && verification.ok) await supersedeEarlier(supersedes, amendmentKind);

  /** Records a recall request that arrived and tells everyone who holds the copy (patched: new histories). */
  const recallRequested = async () => {
    recallArrived = false;
    await record(
      'incoming.recall_requested',
      'system',
      { statusCode: '13', reason: recall!.reason },
      recall!.reason,
    );
    if (patched(FOLLOW_UP_PATCH))
      await quick.notifyHolders({
        agency: input.recipient.code,
        documentId: input.inboxId,
        kind: 'recall_requested',
        key: `${workflowId}:recall`,
        message: `${env.from.name} đề nghị thu hồi văn bản số ${env.code.number}/${env.code.notation}: ${recall!.reason}`,
      });
  };

  /** A newer version arrived: once no step is running, this copy is no longer actionable. */
  const closeAsSuperseded = async (by: SupersededBy) => {
    await condition(() => !busy);
    state = 'SUPERSEDED';
    await record('incoming.superseded', 'system', { by: by.id, kind: by.kind });
    await quick.notifyHolders({
      agency: input.recipient.code,
      documentId: input.inboxId,
      kind: 'superseded',
      key: `${workflowId}:superseded`,
      message: `Văn bản số ${env.code.number}/${env.code.notation} của ${env.from.name} đã được ${by.kind === 'update' ? 'cập nhật' : 'thay thế'} bởi văn bản mới`,
    });
  };

  // A recall request is recorded when it arrives; documents never recalled wait here exactly as before.
  const closed = () => (state === 'COMPLETED' || state === 'REJECTED' || state === 'RECALLED') && !busy;
  while (!closed() && !superseded) {
    await condition(() => closed() || recallArrived || superseded !== undefined);
    if (recallArrived) await recallRequested();
  }
  if (superseded) {
    await closeAsSuperseded(superseded);
  } else if ((state as IncomingState) === 'COMPLETED' && patched(FOLLOW_UP_PATCH)) {
    // The follow-up window: a completed copy can still be recalled or superseded. A recall that arrives gives
    // the clerk at least RECALL_ANSWER_DAYS to answer it.
    let windowEnd = Date.now() + 2 * (input.followUpDays ?? 365) * DAY_MS;
    while ((state as IncomingState) === 'COMPLETED' && !superseded) {
      const left = windowEnd - Date.now();
      if (left <= 0) break;
      await condition(
        () => recallArrived || superseded !== undefined || (state as IncomingState) !== 'COMPLETED',
        left,
      );
      if (recallArrived) {
        windowEnd = Math.max(windowEnd, Date.now() + RECALL_ANSWER_DAYS * DAY_MS);
        await recallRequested();
      }
    }
    if (superseded) await closeAsSuperseded(superseded);
  }
  await condition(allHandlersFinished);
  return {
    id: input.inboxId,
    state,
    statusCode,
    verified,
    verification,
    incomingNumber,
    assignee,
    history: [...history],
  };
}
