import {
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  buildEnvelope,
  deadlineOf,
  initialOutgoingState,
  migrateFlow,
  nextFlowTimer,
  openNewStage,
  openStage,
  outgoingResult,
  outgoingSnapshot,
  reassignOpenStage,
  recallTargets,
  rerouteApproval,
  returnToDrafter,
  settleOnce,
  startApproval,
  waitingFor,
} from '../exchange';
import { DEFAULT_APPROVAL_FLOW, documentWorkflowId } from '../schemas/document-constants';
import type { Actor, DocumentState, FileRef, SupersededBy } from '../schemas/document';
import {
  approveUpdate,
  documentSnapshotQuery,
  migrateFlowUpdate,
  recallUpdate,
  recipientStatusSignal,
  rejectUpdate,
  rerouteUpdate,
  requestSigningUpdate,
  signUpdate,
  submitSignatureUpdate,
  submitUpdate,
  supersededSignal,
  BATCHED_RECORDS_PATCH,
  FOLLOW_UP_PATCH,
  RECALL_ANSWER_DAYS,
  type ActionOutcome,
  type AmendmentInput,
  type DocumentSnapshot,
  type DocumentWorkflowInput,
} from './exchange-messages';
import { DAY_MS, heavy, quick } from './exchange-steps';
import { exclusive, nowIso, outcome, record, validator, type Doc } from './document-context';
import { send, sendToAll, drainStatuses, trackRecipients } from './document-dispatch';
import { setIssueHandlers } from './document-issue';

/** Settles the open stages (skipped, completed) and approves after the last one. */
async function settle(d: Doc, actor: string): Promise<void> {
  for (;;) {
    const event = settleOnce(d.s, Date.now());
    if (!event) return;
    // Recorded after the move, so the read model shows the stage that is now open.
    await record(d, event.type, actor, event.details);
    if (event.type === 'document.approved') return;
  }
}

/** Role-step flows (before `flow-stages-v1`): approved after the last step. */
async function afterApproval(d: Doc, actor: Actor): Promise<void> {
  const { s } = d;
  if (s.flow && s.step >= s.flow.steps.length) {
    s.state = 'APPROVED';
    await record(d, 'document.approved', actor.username, { flow: s.flow.name });
  }
}

async function sendBack(
  d: Doc,
  actor: string,
  reason: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  returnToDrafter(d.s);
  await record(d, 'document.returned', actor, { reason, ...details }, reason);
}

async function remind(d: Doc): Promise<void> {
  const { s } = d;
  const stage = openStage(s)!;
  s.reminded = true;
  await record(d, 'document.approval_reminder', 'system', {
    stage: stage.id,
    waitingFor: waitingFor(s, stage),
    deadlineAt: new Date(deadlineOf(s, stage, d.hourMs)!).toISOString(),
  });
}

/** The deadline passed: the stage is overdue (audited for the KPIs) and escalates as its flow says. */
async function escalate(d: Doc): Promise<void> {
  const { input, s } = d;
  const stage = openStage(s)!;
  s.stageOverdue = true;
  s.everOverdue = true;
  await record(d, 'document.approval_overdue', 'system', {
    stage: stage.id,
    deadlineAt: new Date(deadlineOf(s, stage, d.hourMs)!).toISOString(),
    waitingFor: waitingFor(s, stage),
    flow: s.resolved!.name,
    version: s.resolved!.version,
  });
  const e = stage.escalation;
  if (!e) return;
  const why = { escalation: e.kind, stage: stage.id };
  if (e.kind === 'return_to_drafter')
    return sendBack(d, 'system', `Quá hạn phê duyệt ở bước "${stage.name}": trả lại người soạn thảo`, why);
  if (e.kind === 'stage') {
    const target = s.resolved!.stages.findIndex((x) => x.id === e.stage);
    if (target < 0)
      return sendBack(
        d,
        'system',
        `Quá hạn ở bước "${stage.name}"; bước chuyển tiếp ${e.stage} không áp dụng`,
        why,
      );
    s.step = target;
    openNewStage(s, Date.now());
    await record(d, 'document.escalated', 'system', { stage: stage.id, kind: e.kind, to: e.stage });
    return settle(d, 'system');
  }
  const approvers =
    e.kind === 'user' ? [e.username] : await quick.membersOfRole({ agency: input.agency.code, role: e.role });
  if (approvers.length === 0) {
    const role = e.kind === 'role' ? e.role : '';
    return sendBack(d, 'system', `Quá hạn ở bước "${stage.name}"; không có người giữ vai trò ${role}`, why);
  }
  const required = Math.max(1, Math.min(stage.required, approvers.length));
  reassignOpenStage(s, approvers, required);
  await record(d, 'document.escalated', 'system', { stage: stage.id, kind: e.kind, approvers, required });
  await settle(d, 'system');
}

const resolveFlow = ({ input }: Doc) =>
  quick.resolveApprovalFlow({
    documentId: input.documentId,
    agency: input.agency.code,
    type: input.type,
    priority: input.priority,
    recipients: input.recipients.map((r) => r.code),
    override: input.flow,
  });

function setApprovalHandlers(d: Doc): void {
  const { input, s } = d;
  setHandler(
    submitUpdate,
    (actor) =>
      exclusive(d, async () => {
        if (patched('flow-stages-v1')) {
          // Pinned here (name and version): a later edit of the agency's flow does not affect this submission.
          const event = startApproval(s, await resolveFlow(d), Date.now());
          await record(d, event.type, actor.username, event.details);
          await settle(d, actor.username);
          return outcome(d);
        }
        // Pinned here: a later change of the agency's flow does not affect this submission.
        s.flow = input.flow ?? DEFAULT_APPROVAL_FLOW;
        s.step = 0;
        s.state = 'IN_APPROVAL';
        await record(d, 'document.submitted', actor.username, { flow: s.flow });
        await afterApproval(d, actor);
        return outcome(d);
      }),
    { validator: validator(d, 'submit') },
  );
  setHandler(
    approveUpdate,
    (actor, body) =>
      exclusive(d, async () => {
        if (s.resolved) {
          const stage = openStage(s)!;
          s.approvals = [...s.approvals, actor.username];
          const details = { stage: stage.id, approvals: [...s.approvals], required: stage.required };
          await record(d, 'document.approval_step', actor.username, details, body.comment);
          await settle(d, actor.username);
          return outcome(d);
        }
        const step = s.flow!.steps[s.step]!;
        s.step++;
        await record(
          d,
          'document.approval_step',
          actor.username,
          { step: s.step, role: step.role },
          body.comment,
        );
        await afterApproval(d, actor);
        return outcome(d);
      }),
    { validator: validator(d, 'approve') },
  );
  setHandler(
    rejectUpdate,
    (actor, body) =>
      exclusive(d, async () => {
        if (s.resolved) {
          await sendBack(d, actor.username, body.reason, { stage: openStage(s)?.id });
          return outcome(d);
        }
        s.state = 'RETURNED';
        s.step = 0;
        await record(d, 'document.returned', actor.username, { reason: body.reason }, body.reason);
        return outcome(d);
      }),
    { validator: validator(d, 'reject') },
  );
}

async function markSigned(d: Doc, actor: Actor, signed: FileRef, mode: 'server' | 'deferred'): Promise<void> {
  const { s } = d;
  s.file = signed;
  s.state = 'SIGNED';
  s.signerInfo = {
    fullName: actor.fullName ?? actor.username,
    title: actor.title ?? '',
    competence: actor.title ? actor.title.toUpperCase() : '',
  };
  s.pending = undefined;
  s.designatedSigner = undefined;
  await record(d, 'document.signed', actor.username, { mode, sha256: signed.sha256, profile: 'personal' });
}

function setSigningHandlers(d: Doc): void {
  const { input, s } = d;
  const signing = (actor: Actor) => ({
    agency: input.agency.code,
    username: actor.username,
    file: s.file,
    fileName: input.fileName,
    signingTime: nowIso(),
  });
  setHandler(
    signUpdate,
    (actor) =>
      exclusive(d, async () => {
        const signed = await heavy.signPersonal({ ...signing(actor), location: input.agency.place });
        await markSigned(d, actor, signed, 'server');
        return outcome(d);
      }),
    { validator: validator(d, 'sign') },
  );
  setHandler(
    requestSigningUpdate,
    (actor) =>
      exclusive(d, async () => {
        if (s.pending && s.pending.username === actor.username) return s.pending.request;
        const prepared = await heavy.prepareDeferredSigning(signing(actor));
        s.pending = { username: actor.username, ...prepared };
        await record(d, 'document.signing_requested', actor.username, { prepared: prepared.prepared.sha256 });
        return prepared.request;
      }),
    { validator: validator(d, 'requestSigning') },
  );
  setHandler(
    submitSignatureUpdate,
    (actor, submission) =>
      exclusive(d, async () => {
        const p = s.pending!;
        const signed = await heavy.completeDeferredSigning({
          prepared: p.prepared,
          state: p.state,
          submission,
          fileName: input.fileName,
        });
        await markSigned(d, actor, signed, 'deferred');
        return outcome(d);
      }),
    { validator: validator(d, 'submitSignature') },
  );
}

/** A personnel change: the leaver's approvals or signature go to the successor, or the document returns. */
async function reroute(
  d: Doc,
  actor: Actor,
  change: { leaver: string; successor?: string; changeId: string },
) {
  const { s } = d;
  const { leaver, successor, changeId } = change;
  const returnReason = `${leaver} không còn đảm nhiệm (thay đổi nhân sự ${changeId}); văn bản trả lại người soạn thảo`;
  const rerouted = { leaver, successor, changeId };
  if (s.state === 'IN_APPROVAL' && s.resolved) {
    if (rerouteApproval(s, leaver, successor) === 'starved') {
      await sendBack(d, actor.username, returnReason, { leaver, changeId });
      return outcome(d);
    }
    await record(d, 'document.rerouted', actor.username, { step: 'approval', ...rerouted });
    await settle(d, actor.username);
    return outcome(d);
  }
  if (s.state === 'APPROVED') {
    if (s.pending?.username === leaver) s.pending = undefined;
    if (successor) {
      s.designatedSigner = successor;
      await record(d, 'document.rerouted', actor.username, { step: 'signature', ...rerouted });
    } else {
      s.designatedSigner = undefined;
      await sendBack(d, actor.username, returnReason, { leaver, changeId });
    }
  }
  return outcome(d);
}

function setAdminHandlers(d: Doc): void {
  setHandler(
    migrateFlowUpdate,
    (actor) =>
      exclusive(d, async () => {
        const next = await resolveFlow(d);
        const details = migrateFlow(d.s, next, Date.now());
        await record(d, 'document.flow_migrated', actor.username, details);
        await settle(d, actor.username);
        return outcome(d);
      }),
    { validator: validator(d, 'migrateFlow') },
  );
  setHandler(rerouteUpdate, (actor, change) => exclusive(d, () => reroute(d, actor, change)), {
    validator: validator(d, 'reroute'),
  });
}

/** A recall: every reached recipient gets a recall message (BusinessDocType 1) and answers 15 or 16. */
async function recall(d: Doc, actor: Actor, reason: string): Promise<ActionOutcome> {
  const { input, s } = d;
  s.recallReason = reason;
  const targets = recallTargets(s);
  for (const r of targets) {
    await quick.dispatchToRecipient({
      envelope: {
        ...buildEnvelope(input, s, r.attempts, nowIso()),
        businessDocType: 1,
        description: reason,
        replaces: undefined,
      },
      recipient: r.code,
      file: s.file,
      msgId: `${input.agency.code}:${input.documentId}:${r.code}:recall`,
    });
    r.recall = '13';
  }
  const details = { reason, recipients: targets.map((r) => r.code) };
  await record(d, 'document.recall_requested', actor.username, details, reason);
  return outcome(d);
}

function setHandlers(d: Doc): void {
  const { input, s } = d;
  setHandler(documentSnapshotQuery, () => outgoingSnapshot(input, s, d.hourMs));
  setApprovalHandlers(d);
  setSigningHandlers(d);
  setIssueHandlers(d);
  setAdminHandlers(d);
  setHandler(recallUpdate, (actor, body) => exclusive(d, () => recall(d, actor, body.reason)), {
    validator: validator(d, 'recall'),
  });
  setHandler(recipientStatusSignal, (status) => {
    s.inbox.push(status);
  });
  setHandler(supersededSignal, (by) => {
    // Only an issued document can be superseded, and only once.
    if (s.issued && !s.superseded && by.id !== input.documentId) s.superseded = by;
  });
}

/**
 * Waits until the document is issued (or withdrawn). Approval deadlines and reminders are durable timers of the
 * open stage; documents without a stage deadline (and every document submitted before `flow-stages-v1`) wait here
 * without any timer.
 */
async function awaitRelease(d: Doc): Promise<void> {
  const { s, hourMs } = d;
  const released = () => (s.issued && !s.busy) || s.state === 'WITHDRAWN';
  while (!released()) {
    const epoch = s.stageEpoch;
    const due = nextFlowTimer(s, hourMs);
    if (!due) {
      await condition(
        () => released() || s.stageEpoch !== epoch || (!s.busy && nextFlowTimer(s, hourMs) !== undefined),
      );
      continue;
    }
    const timedOut = !(await condition(
      () => released() || s.stageEpoch !== epoch || s.busy,
      Math.max(1, due.at - Date.now()),
    ));
    if (!timedOut || s.stageEpoch !== epoch || s.busy || (s.state as DocumentState) !== 'IN_APPROVAL')
      continue;
    s.busy = true;
    try {
      if (due.kind === 'reminder') await remind(d);
      else await escalate(d);
    } finally {
      s.busy = false;
    }
  }
}

/** The earlier version is superseded: its workflow if still open, else its read model directly. */
async function supersedeEarlier(d: Doc, a: AmendmentInput): Promise<void> {
  const { input } = d;
  const by: SupersededBy = { id: input.documentId, kind: a.kind, at: nowIso() };
  try {
    await getExternalWorkflowHandle(documentWorkflowId(input.agency.code, a.of)).signal(supersededSignal, by);
  } catch {
    await quick.markSuperseded({
      side: 'outgoing',
      agency: input.agency.code,
      id: a.of,
      by,
      eventId: `${d.workflowId}#supersedes`,
    });
  }
  await record(d, 'document.supersedes', 'system', { of: a.of, kind: a.kind }, a.reason);
}

async function closeAsSuperseded(d: Doc, by: SupersededBy): Promise<void> {
  await condition(() => !d.s.busy);
  d.s.state = 'SUPERSEDED';
  await record(d, 'document.superseded', 'system', { by: by.id, kind: by.kind });
}

/**
 * The follow-up window after completion: the document can still be recalled (answers are collected here) or
 * superseded by an update or replacement. A recall gives its recipients at least RECALL_ANSWER_DAYS to answer;
 * an answer that never comes (a copy closed meanwhile) leaves that recipient at `13`.
 */
async function followUp(d: Doc): Promise<void> {
  const { input, s } = d;
  let windowEnd = Date.now() + (input.timing.followUpDays ?? 365) * DAY_MS;
  let recallSeen = false;
  const recallOpen = () => s.recipients.some((r) => r.recall === '13');
  for (;;) {
    await drainStatuses(d);
    if (s.superseded) return closeAsSuperseded(d, s.superseded);
    if ((s.state as DocumentState) === 'RECALLED') {
      await record(d, 'document.recalled', 'system', {
        recipients: s.recipients.map((r) => ({ agency: r.code, recall: r.recall })),
      });
      return;
    }
    const open = recallOpen();
    if (open && !recallSeen) {
      recallSeen = true;
      windowEnd = Math.max(windowEnd, Date.now() + RECALL_ANSWER_DAYS * DAY_MS);
    }
    const left = windowEnd - Date.now();
    if (left <= 0) return;
    await condition(() => s.inbox.length > 0 || s.superseded !== undefined || recallOpen() !== open, left);
  }
}

/** The last recipient is final: completed (or recalled), then the follow-up window (patch `follow-up-v1`). */
async function finish(d: Doc): Promise<void> {
  const { s } = d;
  if (s.superseded) return closeAsSuperseded(d, s.superseded);
  if ((s.state as DocumentState) !== 'RECALLED') s.state = 'COMPLETED';
  const recalled = (s.state as DocumentState) === 'RECALLED';
  await record(d, recalled ? 'document.recalled' : 'document.completed', 'system', {
    recipients: s.recipients.map((r) => ({ agency: r.code, statusCode: r.statusCode })),
  });
  if ((s.state as DocumentState) === 'COMPLETED' && patched(FOLLOW_UP_PATCH)) await followUp(d);
}

/**
 * One outgoing document ("văn bản đi") from draft to the last recipient's final status.
 *
 * Human steps arrive as updates with validators (refused synchronously for a wrong role, state or user); the clerk's
 * issue assigns the number from the agency register, applies the organisation signature, and the workflow then
 * dispatches to every recipient over NATS JetStream, tracks each recipient's edXML status and resends when no
 * `01` arrives in time (reception awareness), flagging SEND_FAILED after the last attempt. Workflow id:
 * `doc:<agencyCode>:<documentId>`. Files are passed as `{ref, sha256, size}`; their bytes never enter history.
 * The rules live in `exchange/`; this is the shell that runs them.
 */
export async function documentWorkflow(input: DocumentWorkflowInput): Promise<DocumentSnapshot> {
  const d: Doc = {
    input,
    workflowId: workflowInfo().workflowId,
    s: initialOutgoingState(input),
    hourMs: (input.timing.flowHourSeconds ?? 3600) * 1000,
  };
  const { s } = d;
  // Recorded before the handlers are set: an update delivered in the first activation runs on setHandler.
  const created = record(d, 'document.created', input.createdBy, {
    fileName: input.fileName,
    sha256: input.file.sha256,
    ...(input.amendment
      ? { amends: input.amendment.of, kind: input.amendment.kind, reason: input.amendment.reason }
      : {}),
  });
  setHandlers(d);
  await created;
  await awaitRelease(d);
  if ((s.state as DocumentState) !== 'WITHDRAWN') {
    s.state = 'DISPATCHED';
    if (patched(BATCHED_RECORDS_PATCH)) await sendToAll(d);
    else for (const r of s.recipients) await send(d, r);
    if (input.amendment) await supersedeEarlier(d, input.amendment);
    await trackRecipients(d);
    await finish(d);
  }
  await condition(allHandlersFinished);
  return outgoingResult(input, s);
}
