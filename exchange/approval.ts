import type { OutgoingEventType } from '../schemas/audit-events';
import type { ApprovalView } from '../schemas/document';
import type { ResolvedFlow, ResolvedStage } from '../schemas/flow';
import type { OutgoingState } from './outgoing-state';

/**
 * Approval rules of an outgoing document: stages, quorum, deadlines, escalation, flow migration and re-routing after
 * a personnel change. Transitions change the given state object and return what to audit; no I/O, no clock (the
 * caller passes `now`).
 */

/** An audit event a transition asks the workflow to record. */
export interface ExchangeEvent {
  type: OutgoingEventType;
  details: Record<string, unknown>;
}

export const openStage = (s: OutgoingState): ResolvedStage | undefined =>
  s.resolved && s.state === 'IN_APPROVAL' ? s.resolved.stages[s.step] : undefined;

export const deadlineOf = (
  s: OutgoingState,
  stage: ResolvedStage | undefined,
  hourMs: number,
): number | undefined =>
  stage?.deadlineHours !== undefined ? s.stageStartedAt + stage.deadlineHours * hourMs : undefined;

/** Approvers of the open stage who have not approved yet. */
export const waitingFor = (s: OutgoingState, stage: ResolvedStage): string[] =>
  stage.approvers.filter((u) => !s.approvals.includes(u));

export function approvalView(s: OutgoingState, hourMs: number): ApprovalView | undefined {
  const stage = openStage(s);
  if (!s.resolved || !stage) return undefined;
  const deadline = deadlineOf(s, stage, hourMs);
  return {
    flow: { name: s.resolved.name, version: s.resolved.version },
    stage: { id: stage.id, name: stage.name, index: s.step, of: s.resolved.stages.length },
    approvers: [...stage.approvers],
    approvals: [...s.approvals],
    required: stage.required,
    laterApprovers: [...new Set(s.resolved.stages.slice(s.step + 1).flatMap((x) => x.approvers))].sort(),
    deadlineAt: deadline !== undefined ? new Date(deadline).toISOString() : undefined,
    overdue: s.stageOverdue || undefined,
    escalated: s.escalated || undefined,
  };
}

/** A new stage opens: no approvals yet, its deadline counts from now, earlier timers are void. */
export function openNewStage(s: OutgoingState, now: number): void {
  s.approvals = [];
  s.stageStartedAt = now;
  s.reminded = false;
  s.stageOverdue = false;
  s.escalated = false;
  s.stageEpoch++;
}

/** Submission with a resolved flow: approval starts at its first stage. */
export function startApproval(s: OutgoingState, resolved: ResolvedFlow, now: number): ExchangeEvent {
  s.resolved = resolved;
  s.step = 0;
  s.state = 'IN_APPROVAL';
  openNewStage(s, now);
  return {
    type: 'document.submitted',
    details: {
      flow: { name: resolved.name, version: resolved.version },
      stages: resolved.stages.map((x) => ({ id: x.id, approvers: x.approvers, required: x.required })),
    },
  };
}

/**
 * One step of settling: skips a stage nobody can approve, closes a stage whose approvals suffice, or approves the
 * document after the last stage. Undefined when the open stage still waits (or there is no resolved flow).
 */
export function settleOnce(s: OutgoingState, now: number): ExchangeEvent | undefined {
  if (!s.resolved) return undefined;
  const stage = s.resolved.stages[s.step];
  if (!stage) {
    s.state = 'APPROVED';
    s.stageEpoch++;
    return { type: 'document.approved', details: { flow: s.resolved.name, version: s.resolved.version } };
  }
  if (stage.required > 0 && s.approvals.length < stage.required) return undefined;
  const decided = [...s.approvals];
  s.step++;
  openNewStage(s, now);
  return {
    type: stage.required === 0 ? 'document.stage_skipped' : 'document.stage_completed',
    details: { stage: stage.id, approvals: decided, required: stage.required },
  };
}

/** The document goes back to its drafter; approval restarts from the first stage on resubmission. */
export function returnToDrafter(s: OutgoingState): void {
  s.state = 'RETURNED';
  s.step = 0;
  s.approvals = [];
  s.stageEpoch++;
}

/** Workflow-time timers of the open stage: the reminder first, then the deadline (once each). */
export function nextFlowTimer(
  s: OutgoingState,
  hourMs: number,
): { at: number; kind: 'reminder' | 'deadline' } | undefined {
  const stage = openStage(s);
  const deadline = deadlineOf(s, stage, hourMs);
  if (!stage || deadline === undefined || s.busy) return undefined;
  if (!s.reminded && stage.reminderBeforeHours !== undefined)
    return { at: deadline - stage.reminderBeforeHours * hourMs, kind: 'reminder' };
  if (!s.stageOverdue) return { at: deadline, kind: 'deadline' };
  return undefined;
}

/** Replaces the approvers of the open stage (escalation to a user or a role); quorum shrinks to fit. */
export function reassignOpenStage(s: OutgoingState, approvers: string[], required: number): void {
  s.resolved = {
    ...s.resolved!,
    stages: s.resolved!.stages.map((x, i) => (i === s.step ? { ...x, approvers, required } : x)),
  };
  s.approvals = s.approvals.filter((u) => approvers.includes(u));
  s.escalated = true;
  s.stageEpoch++;
}

/**
 * A new version of the flow applies to a document in approval: completed stages stay as decided, the open and later
 * stages follow the new version. Approvals of the open stage survive when the stage is still the same.
 */
export function migrateFlow(s: OutgoingState, next: ResolvedFlow, now: number): ExchangeEvent['details'] {
  const from = { name: s.resolved!.name, version: s.resolved!.version };
  const done = s.resolved!.stages.slice(0, s.step);
  const doneIds = new Set(done.map((x) => x.id));
  const before = s.resolved!.stages[s.step];
  const pendingStages = next.stages.filter((x) => !doneIds.has(x.id));
  s.resolved = { name: next.name, version: next.version, stages: [...done, ...pendingStages] };
  const after = s.resolved.stages[s.step];
  if (after && before && after.id === before.id) {
    s.approvals = s.approvals.filter((u) => after.approvers.includes(u));
    s.stageEpoch++;
  } else {
    openNewStage(s, now);
  }
  return {
    from,
    to: { name: next.name, version: next.version },
    pendingStages: pendingStages.map((x) => ({ id: x.id, approvers: x.approvers, required: x.required })),
  };
}

/**
 * A leaver's place in the open and later stages goes to the successor (or is dropped). `starved` when, without a
 * successor, a stage could no longer reach its quorum: the document must return to its drafter (state unchanged).
 */
export function rerouteApproval(
  s: OutgoingState,
  leaver: string,
  successor: string | undefined,
): 'rerouted' | 'starved' {
  const resolved = s.resolved!;
  const swap = (list: string[]) =>
    successor
      ? [...new Set(list.map((u) => (u === leaver ? successor : u)))].sort()
      : list.filter((u) => u !== leaver);
  const stages = resolved.stages.map((x, i) => {
    if (i < s.step || !x.approvers.includes(leaver)) return x;
    const approvers = swap(x.approvers);
    return { ...x, approvers, required: Math.min(x.required, approvers.length) };
  });
  const starved = resolved.stages.some(
    (x, i) => i >= s.step && x.approvers.includes(leaver) && stages[i]!.approvers.length < x.required,
  );
  if (!successor && starved) return 'starved';
  s.resolved = { ...resolved, stages };
  s.stageEpoch++;
  return 'rerouted';
}
