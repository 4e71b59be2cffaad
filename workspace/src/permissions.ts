import { INCOMING_COMMANDS, type IncomingCommand } from '../../exchange/incoming-commands';
import { OUTGOING_COMMANDS, type OutgoingCommand } from '../../exchange/outgoing-commands';
import type { DocumentDetail, InboxDetail } from '../../schemas/document';
import type { Role } from '../../schemas/identity';

/** Who is asking: the signed-in user as the session knows them. */
export interface Asker {
  username: string;
  agency: string;
  roles: readonly Role[];
}

/**
 * Which buttons a user sees: the exchange's own command tables (state × who), read from the document as the API
 * shows it. The workflow's validators still decide; this only hides what would certainly be refused.
 */
export function mayOutgoing(user: Asker, doc: DocumentDetail, cmd: OutgoingCommand): boolean {
  const rule = OUTGOING_COMMANDS[cmd];
  if (doc.agency !== user.agency || !(rule.from as readonly string[]).includes(doc.state)) return false;
  const has = (...roles: string[]) => user.roles.some((r) => roles.includes(r));
  switch (cmd) {
    case 'submit':
      return has('drafter') && doc.createdBy === user.username;
    case 'approve':
    case 'reject':
      if (!doc.approval) return has('approver');
      return (
        doc.approval.approvers.includes(user.username) &&
        (cmd === 'reject' || !doc.approval.approvals.includes(user.username))
      );
    case 'sign':
    case 'requestSigning':
      return doc.designatedSigner ? doc.designatedSigner === user.username : has('signer');
    case 'submitSignature':
      return doc.pendingSigner === user.username;
    case 'withdraw':
      return !doc.issuedAt && (doc.createdBy === user.username || has('agency_admin'));
    case 'issue':
      return !doc.issuedAt && has('clerk');
    case 'recall':
      return has('clerk') && !doc.recipients.some((r) => r.recall === '13');
    default:
      return typeof rule.who === 'object' && has(...rule.who.roles);
  }
}

export function mayIncoming(user: Asker, doc: InboxDetail, cmd: IncomingCommand): boolean {
  const rule = INCOMING_COMMANDS[cmd];
  if (!(rule.from as readonly string[]).includes(doc.state)) return false;
  if (rule.who === 'assignee') return doc.assignee === user.username;
  if ((cmd === 'agreeRecall' || cmd === 'refuseRecall') && (!doc.recall || doc.recall.answer)) return false;
  return user.roles.some((r) => (rule.who as { roles: readonly string[] }).roles.includes(r));
}
