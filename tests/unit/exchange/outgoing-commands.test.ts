import { checkOutgoing, type OutgoingCommand } from '../../../exchange';
import { DocumentStates, type DocumentState } from '../../../schemas/document';
import { Roles, type Role } from '../../../schemas/identity';
import { AGENCY, actor, expectedRefusal, flow, input, outgoing } from './fixtures';

const ctx = { agency: AGENCY, createdBy: input.createdBy };

/**
 * The command table as a reader states it: legal states and the roles that may give each command (the drafter is
 * `drafter.a`, the open stage's approver `approver.a`, the signing request was made by `signer.a`).
 */
const TABLE: Record<OutgoingCommand, { from: DocumentState[]; roles: Role[]; stateFirst?: true }> = {
  submit: { from: ['DRAFT', 'RETURNED'], roles: ['drafter'] },
  approve: { from: ['IN_APPROVAL'], roles: ['approver'], stateFirst: true },
  reject: { from: ['IN_APPROVAL'], roles: ['approver'], stateFirst: true },
  sign: { from: ['APPROVED'], roles: ['signer'] },
  requestSigning: { from: ['APPROVED'], roles: ['signer'] },
  submitSignature: { from: ['APPROVED'], roles: ['signer'] },
  issue: { from: ['SIGNED'], roles: ['clerk'] },
  withdraw: {
    from: ['DRAFT', 'RETURNED', 'IN_APPROVAL', 'APPROVED', 'SIGNED'],
    roles: ['drafter', 'agency_admin'],
  },
  migrateFlow: { from: ['IN_APPROVAL'], roles: ['agency_admin', 'province_admin'] },
  reroute: { from: ['IN_APPROVAL', 'APPROVED'], roles: ['agency_admin', 'province_admin'] },
  recall: { from: ['DISPATCHED', 'COMPLETED'], roles: ['clerk'] },
};

const cases = (Object.keys(TABLE) as OutgoingCommand[]).flatMap((command) =>
  DocumentStates.flatMap((state) => Roles.map((role) => ({ command, state, role }))),
);

describe('outgoing command table: every state × command × role', () => {
  it.each(cases)('$command in $state by $role', ({ command, state, role }) => {
    const row = TABLE[command];
    const s = outgoing({
      state,
      resolved: flow(),
      pending: { username: 'signer.a', prepared: input.file, state: {} as never, request: {} as never },
    });
    const refusal = checkOutgoing(ctx, s, command, actor(role), { reason: 'lý do', leaver: 'x' });
    const roleOk = row.roles.includes(role);
    const stateOk = row.from.includes(state);
    expect(refusal?.code).toBe(expectedRefusal(row, stateOk, roleOk));
  });
});

describe('outgoing command checks', () => {
  const inApproval = () => outgoing({ state: 'IN_APPROVAL', resolved: flow() });

  it('refuses any step while another one runs', () => {
    expect(checkOutgoing(ctx, outgoing({ busy: true }), 'submit', actor('drafter'))).toEqual({
      code: 'CONFLICT',
      message: 'another step on this document is in progress',
    });
  });

  it('refuses a user of another agency before anything else', () => {
    const other = actor('clerk', { agency: '000.00.99.H29' });
    expect(checkOutgoing(ctx, outgoing({ state: 'SIGNED' }), 'issue', other)?.message).toBe(
      'the document belongs to another agency',
    );
  });

  it('lets only the drafter of the document submit it', () => {
    const r = checkOutgoing(ctx, outgoing(), 'submit', actor('drafter', { username: 'drafter.b' }));
    expect(r).toEqual({ code: 'FORBIDDEN', message: 'only the drafter of the document may submit it' });
  });

  it('refuses a second approval by the same approver', () => {
    const s = { ...inApproval(), approvals: ['approver.a'] };
    expect(checkOutgoing(ctx, s, 'approve', actor('approver'))?.code).toBe('CONFLICT');
  });

  it('needs a reason to reject and to recall', () => {
    expect(checkOutgoing(ctx, inApproval(), 'reject', actor('approver'), { reason: ' ' })?.message).toBe(
      'a reason is required',
    );
    const dispatched = outgoing({ state: 'DISPATCHED' });
    expect(checkOutgoing(ctx, dispatched, 'recall', actor('clerk'), {})?.message).toBe(
      'a reason is required',
    );
  });

  it('checks the role of the open step for role-step flows', () => {
    const s = outgoing({
      state: 'IN_APPROVAL',
      flow: { name: 'default', steps: [{ role: 'approver', mode: 'any' }] },
    });
    expect(checkOutgoing(ctx, s, 'approve', actor('approver', { username: 'anyone' }))).toBeUndefined();
    expect(checkOutgoing(ctx, s, 'approve', actor('signer'))?.code).toBe('FORBIDDEN');
    expect(checkOutgoing(ctx, { ...s, step: 1 }, 'approve', actor('approver'))?.message).toBe(
      'no approval step is open',
    );
  });

  it('lets only the designated successor sign', () => {
    const s = outgoing({ state: 'APPROVED', designatedSigner: 'pgd.b' });
    expect(checkOutgoing(ctx, s, 'sign', actor('signer'))?.message).toBe(
      'this document is assigned to pgd.b for signature',
    );
    expect(checkOutgoing(ctx, s, 'sign', actor('approver', { username: 'pgd.b' }))).toBeUndefined();
  });

  it('submits a signature only after a signing request by the same signer', () => {
    const s = outgoing({ state: 'APPROVED' });
    expect(checkOutgoing(ctx, s, 'submitSignature', actor('signer'))?.message).toBe(
      'request a signing request first',
    );
    const other = { ...s, pending: { username: 'signer.b' } as never };
    expect(checkOutgoing(ctx, other, 'submitSignature', actor('signer'))?.code).toBe('FORBIDDEN');
  });

  it('refuses to issue or withdraw an issued document', () => {
    const s = outgoing({ state: 'SIGNED', issued: true });
    expect(checkOutgoing(ctx, s, 'issue', actor('clerk'))?.message).toBe('the document is already issued');
    expect(checkOutgoing(ctx, s, 'withdraw', actor('drafter'))?.message).toBe(
      'an issued document cannot be withdrawn',
    );
  });

  it('lets a province administrator of any agency migrate, but not re-route', () => {
    const province = actor('province_admin', { agency: '000.00.00.H29' });
    expect(checkOutgoing(ctx, inApproval(), 'migrateFlow', province)).toBeUndefined();
    expect(checkOutgoing(ctx, inApproval(), 'reroute', province, { leaver: 'x' })?.code).toBe('FORBIDDEN');
  });

  it('migrates only documents submitted with configurable flows', () => {
    const s = outgoing({ state: 'IN_APPROVAL' });
    expect(checkOutgoing(ctx, s, 'migrateFlow', actor('agency_admin'))?.message).toBe(
      'the document was submitted before configurable flows',
    );
  });

  it('needs the leaver to re-route', () => {
    expect(checkOutgoing(ctx, inApproval(), 'reroute', actor('agency_admin'), {})?.message).toBe(
      'the leaver is required',
    );
  });

  it('recalls once, and names the state when it is too early', () => {
    const s = outgoing({ state: 'DISPATCHED', recallReason: 'sai' });
    expect(checkOutgoing(ctx, s, 'recall', actor('clerk'), { reason: 'x' })?.code).toBe('CONFLICT');
    expect(
      checkOutgoing(ctx, outgoing({ state: 'SIGNED' }), 'recall', actor('clerk'), { reason: 'x' })?.message,
    ).toBe('only a dispatched document can be recalled (state SIGNED)');
  });
});
