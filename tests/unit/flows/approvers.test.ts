import { namedApproverIssues, stagesBrokenBy, type DirectoryUser } from '../../../flows/approvers';
import { FlowDefinitionSchema, type FlowDefinitionInput } from '../../../schemas/flow';

const A = '000.01.01.H29';
const B = '000.01.02.H29';
const person = (username: string, agency: string, roles: string[], active = true): DirectoryUser => ({
  username,
  agency,
  roles,
  active,
});
const flow = (stages: FlowDefinitionInput['stages']) =>
  FlowDefinitionSchema.parse({ name: 'cong-van', title: 'Công văn', scope: { agency: A }, stages });

describe('named approvers', () => {
  const users = new Map(
    [
      person('an', A, ['approver']),
      person('binh', B, ['approver']),
      person('cuong', A, ['approver'], false),
    ].map((u) => [u.username, u]),
  );
  const directory = { users, agencies: [A] };

  it('accepts active users of the flow agency', () => {
    const def = flow([{ id: 's1', name: 'Duyệt', approvers: { users: ['an'] } }]);
    expect(namedApproverIssues(def, directory)).toEqual([]);
  });

  it('names the field of an unknown, a deactivated and a foreign approver', () => {
    const def = flow([
      { id: 's1', name: 'Duyệt', approvers: { users: ['ma', 'binh', 'cuong'] }, mode: { quorum: 2 } },
      {
        id: 's2',
        name: 'Ký',
        approvers: { roles: ['signer'] },
        deadlineHours: 8,
        escalation: { kind: 'user', username: 'binh' },
      },
    ]);
    expect(namedApproverIssues(def, directory).map((i) => i.path)).toEqual([
      'stages.0.approvers.users.0',
      'stages.0.approvers.users.1',
      'stages.0.approvers.users.2',
      'stages.1.escalation.username',
    ]);
  });
});

describe('stages a user change would break', () => {
  const staff = [person('an', A, ['approver']), person('binh', A, ['approver']), person('ky', A, ['signer'])];

  it('refuses to remove the last holder of a stage role', () => {
    const def = flow([{ id: 'ky', name: 'Ký', approvers: { roles: ['signer'] } }]);
    expect(stagesBrokenBy(def, A, staff, 'ky', null)).toEqual([
      { path: 'stages.0', message: 'stage "ky" would have 0 possible approvers, it needs 1' },
    ]);
    expect(stagesBrokenBy(def, A, staff, 'ky', { ...staff[2], roles: ['approver'] })).toHaveLength(1);
    expect(stagesBrokenBy(def, A, staff, 'ky', { ...staff[2], agency: B })).toHaveLength(1);
  });

  it('lets one of several holders go, but not below a quorum', () => {
    const any = flow([{ id: 'duyet', name: 'Duyệt', approvers: { roles: ['approver'] } }]);
    expect(stagesBrokenBy(any, A, staff, 'an', null)).toEqual([]);
    const quorum = flow([
      { id: 'duyet', name: 'Duyệt', approvers: { roles: ['approver'] }, mode: { quorum: 2 } },
    ]);
    expect(stagesBrokenBy(quorum, A, staff, 'an', null)).toHaveLength(1);
  });

  it('refuses to close a user the flow names', () => {
    const def = flow([{ id: 'duyet', name: 'Duyệt', approvers: { users: ['an'], roles: ['approver'] } }]);
    expect(stagesBrokenBy(def, A, staff, 'an', null)).toEqual([
      { path: 'stages.0', message: 'stage "duyet" names an' },
    ]);
    expect(stagesBrokenBy(def, A, staff, 'an', { ...staff[0], roles: ['drafter'] })).toEqual([]);
  });
});
