import {
  checkIncoming,
  initialReceivedState,
  type IncomingCommand,
  type ReceivedState,
} from '../../../exchange';
import { IncomingStates, type IncomingState } from '../../../schemas/document';
import { Roles, type Role } from '../../../schemas/identity';
import { AGENCY, actor, expectedRefusal } from './fixtures';

const received = (over: Partial<ReceivedState> = {}): ReceivedState => ({
  ...initialReceivedState(),
  ...over,
});

/** The table as a reader states it; the assignee is `leadership.a`; recall answers need an open recall. */
const TABLE: Record<IncomingCommand, { from: IncomingState[] | 'any'; roles: Role[]; stateFirst?: true }> = {
  accept: { from: ['RECEIVED'], roles: ['clerk'] },
  reject: { from: ['RECEIVED'], roles: ['clerk'] },
  assign: { from: ['ACCEPTED', 'ASSIGNED'], roles: ['clerk', 'leadership', 'approver', 'signer'] },
  // Nobody is the assignee before ASSIGNED: the state is checked first (409, not 403).
  process: { from: ['ASSIGNED'], roles: ['leadership'], stateFirst: true },
  complete: { from: ['ASSIGNED', 'PROCESSING'], roles: ['leadership'], stateFirst: true },
  // The state of a recall answer is checked when the step runs, after the receipt checks.
  agreeRecall: { from: 'any', roles: ['clerk'] },
  refuseRecall: { from: 'any', roles: ['clerk'] },
};

const cases = (Object.keys(TABLE) as IncomingCommand[]).flatMap((command) =>
  IncomingStates.flatMap((state) => Roles.map((role) => ({ command, state, role }))),
);

describe('incoming command table: every state × command × role', () => {
  it.each(cases)('$command in $state by $role', ({ command, state, role }) => {
    const row = TABLE[command];
    const s = received({ state, assignee: 'leadership.a', recall: { reason: 'sai', requestedAt: 'x' } });
    const refusal = checkIncoming(AGENCY, s, command, actor(role), { reason: 'lý do' });
    const stateOk = row.from === 'any' || row.from.includes(state);
    const roleOk = row.roles.includes(role);
    expect(refusal?.code).toBe(expectedRefusal(row, stateOk, roleOk));
  });
});

describe('incoming command checks', () => {
  it('refuses a user of another agency', () => {
    const r = checkIncoming(AGENCY, received(), 'accept', actor('clerk', { agency: '000.00.99.H29' }));
    expect(r).toEqual({ code: 'FORBIDDEN', message: 'the document belongs to another agency' });
  });

  it('refuses processing before assignment for the state (409), not the person', () => {
    const accepted = received({ state: 'ACCEPTED' });
    expect(checkIncoming(AGENCY, accepted, 'process', actor('approver'))).toEqual({
      code: 'WRONG_STATE',
      message: 'not allowed in state ACCEPTED',
    });
    const assigned = received({ state: 'ASSIGNED', assignee: 'approver.a' });
    expect(checkIncoming(AGENCY, assigned, 'process', actor('clerk'))?.code).toBe('FORBIDDEN');
  });

  it('refuses any step while another runs', () => {
    expect(checkIncoming(AGENCY, received({ busy: true }), 'accept', actor('clerk'))?.code).toBe('CONFLICT');
  });

  it('needs a reason to reject and to refuse a recall', () => {
    expect(checkIncoming(AGENCY, received(), 'reject', actor('clerk'), { reason: '' })?.message).toBe(
      'a reason is required',
    );
    const recalled = received({ recall: { reason: 'sai', requestedAt: 'x' } });
    expect(checkIncoming(AGENCY, recalled, 'refuseRecall', actor('clerk'))?.message).toBe(
      'a reason is required',
    );
  });

  it('answers a recall only when one is open and unanswered', () => {
    expect(checkIncoming(AGENCY, received(), 'agreeRecall', actor('clerk'))?.message).toBe(
      'the sender has not recalled this document',
    );
    const answered = received({ recall: { reason: 'sai', requestedAt: 'x', answer: '16' } });
    expect(checkIncoming(AGENCY, answered, 'agreeRecall', actor('clerk'))?.message).toBe(
      'the recall was already answered (16)',
    );
  });
});
