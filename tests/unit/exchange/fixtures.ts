import { initialOutgoingState, type OutgoingState } from '../../../exchange';
import type { Actor } from '../../../schemas/document';
import type { Role } from '../../../schemas/identity';
import type { ResolvedFlow } from '../../../schemas/flow';
import type { DocumentWorkflowInput } from '../../../workflows/exchange-messages';

export const AGENCY = '000.00.32.H29';

export const input: DocumentWorkflowInput = {
  documentId: 'd1',
  agency: { code: AGENCY, name: 'Sở Nội vụ', shortName: 'SNV' },
  createdBy: 'drafter.a',
  createdAt: '2026-11-29T00:00:00.000Z',
  type: 'QD',
  subject: 'Quyết định',
  recipients: [
    { code: '000.00.33.H29', name: 'Sở Tài chính' },
    { code: '000.00.34.H29', name: 'Sở Y tế' },
  ],
  priority: 0,
  fileName: 'qd.pdf',
  file: { ref: 'documents/abc', sha256: 'abc', size: 10 },
  timing: { ackTimeoutSeconds: 60, maxResends: 2 },
};

/** One user per role, named after it (`approver.a`), in the document's agency unless told otherwise. */
export const actor = (role: Role, over: Partial<Actor> = {}): Actor => ({
  username: `${role}.a`,
  agency: AGENCY,
  roles: [role],
  ...over,
});

export const flow = (over: Partial<ResolvedFlow> = {}): ResolvedFlow => ({
  name: 'qd',
  version: 1,
  stages: [
    {
      id: 'phong',
      name: 'Phòng',
      approvers: ['approver.a'],
      required: 1,
      deadlineHours: 2,
      reminderBeforeHours: 1,
    },
    { id: 'lanh-dao', name: 'Lãnh đạo', approvers: ['pgd.a', 'pgd.b'], required: 2 },
  ],
  ...over,
});

export const outgoing = (over: Partial<OutgoingState> = {}): OutgoingState => ({
  ...initialOutgoingState(input),
  ...over,
});

/**
 * The refusal a command table row implies for one state and role: the check that runs first decides. Most commands
 * check the role first; `stateFirst` ones (the caller's role depends on the document, e.g. the open stage's approver)
 * check the state first.
 */
export function expectedRefusal(
  row: { stateFirst?: true },
  stateOk: boolean,
  roleOk: boolean,
): 'WRONG_STATE' | 'FORBIDDEN' | undefined {
  const checks: ['WRONG_STATE' | 'FORBIDDEN', boolean][] = [
    ['WRONG_STATE', stateOk],
    ['FORBIDDEN', roleOk],
  ];
  if (!row.stateFirst) checks.reverse();
  return checks.find(([, ok]) => !ok)?.[0];
}
