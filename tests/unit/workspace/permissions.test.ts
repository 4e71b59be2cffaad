import type { DocumentDetail, InboxDetail } from '../../../schemas/document';
import { mayIncoming, mayOutgoing } from '../../../workspace/src/permissions';

const TP = '000.01.01.H29';
const who = (role: string, agency = TP) => ({
  username: `${role}.${agency.toLowerCase()}`,
  agency,
  roles: [role] as never[],
});

const doc = (over: Partial<DocumentDetail>): DocumentDetail =>
  ({
    id: 'd1',
    agency: TP,
    state: 'DRAFT',
    createdBy: `drafter.${TP.toLowerCase()}`,
    recipients: [],
    history: [],
    ...over,
  }) as DocumentDetail;

const received = (over: Partial<InboxDetail>): InboxDetail =>
  ({ id: 'i1', state: 'RECEIVED', statusCode: '01', history: [], ...over }) as InboxDetail;

describe('the workspace shows the buttons the exchange would accept', () => {
  it.each([
    ['drafter', 'DRAFT', 'submit', true],
    ['approver', 'DRAFT', 'submit', false],
    ['drafter', 'IN_APPROVAL', 'submit', false],
    ['approver', 'IN_APPROVAL', 'approve', true],
    ['approver', 'IN_APPROVAL', 'reject', true],
    ['signer', 'IN_APPROVAL', 'approve', false],
    ['signer', 'APPROVED', 'sign', true],
    ['clerk', 'APPROVED', 'sign', false],
    ['clerk', 'SIGNED', 'issue', true],
    ['clerk', 'DISPATCHED', 'recall', true],
    ['drafter', 'DISPATCHED', 'recall', false],
    ['drafter', 'SIGNED', 'withdraw', true],
    ['drafter', 'DISPATCHED', 'withdraw', false],
  ] as const)('%s on a %s document: %s → %s', (role, state, cmd, expected) => {
    expect(mayOutgoing(who(role), doc({ state }), cmd)).toBe(expected);
  });

  it('offers approval only to the open stage’s approvers who have not approved yet', () => {
    const approval = {
      flow: { name: 'f', version: 1 },
      stage: { id: 's', name: 'S', index: 0, of: 1 },
      approvers: [`approver.${TP.toLowerCase()}`, `signer.${TP.toLowerCase()}`],
      approvals: [`signer.${TP.toLowerCase()}`],
      required: 2,
    };
    const d = doc({ state: 'IN_APPROVAL', approval });
    expect(mayOutgoing(who('approver'), d, 'approve')).toBe(true);
    expect(mayOutgoing(who('signer'), d, 'approve')).toBe(false);
    expect(mayOutgoing(who('signer'), d, 'reject')).toBe(true);
    expect(mayOutgoing(who('clerk'), d, 'reject')).toBe(false);
  });

  it('shows nothing on another agency’s document, and signing to the designated successor only', () => {
    expect(mayOutgoing(who('clerk', '000.00.32.H29'), doc({ state: 'SIGNED' }), 'issue')).toBe(false);
    const d = doc({ state: 'APPROVED', designatedSigner: 'nguoi.ke.nhiem' });
    expect(mayOutgoing(who('signer'), d, 'sign')).toBe(false);
    expect(mayOutgoing({ ...who('signer'), username: 'nguoi.ke.nhiem' }, d, 'sign')).toBe(true);
    expect(
      mayOutgoing(
        who('clerk'),
        doc({
          state: 'DISPATCHED',
          recipients: [{ agency: '000.00.32.H29', statusCode: '03', statusAt: null, recall: '13' }],
        }),
        'recall',
      ),
    ).toBe(false);
  });

  it('lets the clerk accept or reject a new arrival and only the assignee process it', () => {
    expect(mayIncoming(who('clerk'), received({}), 'accept')).toBe(true);
    expect(mayIncoming(who('drafter'), received({}), 'accept')).toBe(false);
    expect(mayIncoming(who('clerk'), received({ state: 'ACCEPTED' }), 'assign')).toBe(true);
    const assigned = received({ state: 'ASSIGNED', assignee: `approver.${TP.toLowerCase()}` });
    expect(mayIncoming(who('approver'), assigned, 'process')).toBe(true);
    expect(mayIncoming(who('clerk'), assigned, 'process')).toBe(false);
    expect(mayIncoming(who('clerk'), assigned, 'agreeRecall')).toBe(false);
    const recalled = received({
      state: 'ACCEPTED',
      recall: { reason: 'x', requestedAt: '2026-11-30T00:00:00Z' },
    });
    expect(mayIncoming(who('clerk'), recalled, 'agreeRecall')).toBe(true);
    expect(
      mayIncoming(
        who('clerk'),
        { ...recalled, recall: { ...recalled.recall!, answer: '16' } },
        'refuseRecall',
      ),
    ).toBe(false);
  });
});
