import {
  approvalView,
  migrateFlow,
  nextFlowTimer,
  reassignOpenStage,
  rerouteApproval,
  returnToDrafter,
  settleOnce,
  startApproval,
} from '../../../exchange';
import { flow, outgoing } from './fixtures';

const HOUR = 1000;

const submitted = (over: Parameters<typeof flow>[0] = {}) => {
  const s = outgoing();
  startApproval(s, flow(over), 0);
  return s;
};

describe('approval rules', () => {
  it('opens the first stage on submission', () => {
    const s = submitted();
    expect(s).toMatchObject({
      state: 'IN_APPROVAL',
      step: 0,
      approvals: [],
      stageStartedAt: 0,
      stageEpoch: 1,
    });
    expect(approvalView(s, HOUR)).toMatchObject({
      stage: { id: 'phong', index: 0, of: 2 },
      laterApprovers: ['pgd.a', 'pgd.b'],
      deadlineAt: new Date(2 * HOUR).toISOString(),
    });
  });

  it.each([
    { approvals: [], event: undefined, step: 0 },
    { approvals: ['approver.a'], event: 'document.stage_completed', step: 1 },
  ])('settles a stage with $approvals.length approvals: $event', ({ approvals, event, step }) => {
    const s = submitted();
    s.approvals = approvals;
    expect(settleOnce(s, 5)?.type).toBe(event);
    expect(s.step).toBe(step);
  });

  it('skips a stage nobody can approve and approves after the last stage', () => {
    const s = submitted({ stages: [{ id: 'x', name: 'X', approvers: [], required: 0 }] });
    expect(settleOnce(s, 5)).toMatchObject({ type: 'document.stage_skipped', details: { stage: 'x' } });
    expect(settleOnce(s, 5)).toEqual({ type: 'document.approved', details: { flow: 'qd', version: 1 } });
    expect(s.state).toBe('APPROVED');
  });

  it('returns to the drafter and restarts at the first stage', () => {
    const s = submitted();
    s.step = 1;
    s.approvals = ['pgd.a'];
    returnToDrafter(s);
    expect(s).toMatchObject({ state: 'RETURNED', step: 0, approvals: [] });
  });

  it('times the reminder, then the deadline, then nothing', () => {
    const s = submitted();
    expect(nextFlowTimer(s, HOUR)).toEqual({ at: 1 * HOUR, kind: 'reminder' });
    s.reminded = true;
    expect(nextFlowTimer(s, HOUR)).toEqual({ at: 2 * HOUR, kind: 'deadline' });
    s.stageOverdue = true;
    expect(nextFlowTimer(s, HOUR)).toBeUndefined();
    s.stageOverdue = false;
    s.busy = true;
    expect(nextFlowTimer(s, HOUR)).toBeUndefined();
  });

  it('escalates to other approvers keeping only their approvals', () => {
    const s = submitted();
    s.step = 1;
    s.approvals = ['pgd.a'];
    reassignOpenStage(s, ['gd.a'], 1);
    expect(s.resolved!.stages[1]).toMatchObject({ approvers: ['gd.a'], required: 1 });
    expect(s).toMatchObject({ approvals: [], escalated: true });
  });

  it('migrates the open and later stages, keeping decided ones and the approvals of an unchanged stage', () => {
    const s = submitted();
    s.step = 1;
    s.approvals = ['pgd.a'];
    const next = flow({ version: 2 });
    next.stages[1] = { ...next.stages[1]!, approvers: ['pgd.a', 'pgd.c'] };
    const details = migrateFlow(s, next, 9);
    expect(details).toMatchObject({ from: { version: 1 }, to: { version: 2 } });
    expect(s.resolved!.stages[1]!.approvers).toEqual(['pgd.a', 'pgd.c']);
    expect(s.approvals).toEqual(['pgd.a']);
  });

  it('re-routes a leaver to the successor, or reports a stage that can no longer reach its quorum', () => {
    const s = submitted();
    s.step = 1;
    expect(rerouteApproval(s, 'pgd.b', 'pgd.z')).toBe('rerouted');
    expect(s.resolved!.stages[1]!.approvers).toEqual(['pgd.a', 'pgd.z']);
    expect(rerouteApproval(s, 'pgd.z', undefined)).toBe('starved');
    expect(s.resolved!.stages[1]!.approvers).toEqual(['pgd.a', 'pgd.z']);
  });
});
