import type { Filter } from 'mongodb';
import { documentWorkflowId, type Actor } from '../schemas/document';
import { DocumentStore, type OutgoingView } from '../store/document-store';
import { rerouteUpdate } from '../workflows/exchange-messages';
import type { AppDeps, PersonnelChangeHandler } from './deps';
import { runUpdate } from './exchange-support';

/**
 * Re-routes the documents waiting on someone who left (leadership change, "thay đổi nhân sự"): an approval stage
 * listing the leaver (open or later), a signature requested by or assigned to them, or — when the leaver was the
 * agency's last signer — every approved document waiting for a signature. Each document's workflow receives a
 * `reroute` update: the successor takes the leaver's place, or the document returns to its drafter with the
 * reason. Returns how many documents were re-routed; a document whose update is refused (it moved on meanwhile)
 * is logged and skipped.
 */
export function reroutePendingDocuments(deps: AppDeps): PersonnelChangeHandler {
  return async (change) => {
    if (!deps.db || !deps.temporal) return 0;
    const documents = new DocumentStore(deps.db);
    const leaver = await deps.identity.getUser(change.leaver);
    const others = (await deps.identity.listUsers({ agency: change.agency })).filter(
      (u) => u.active && u.username !== change.leaver,
    );
    const lastSigner = !!leaver?.roles.includes('signer') && !others.some((u) => u.roles.includes('signer'));
    const waiting: Filter<OutgoingView>[] = [
      { state: 'IN_APPROVAL', 'approval.approvers': change.leaver },
      { state: 'IN_APPROVAL', 'approval.laterApprovers': change.leaver },
      { state: 'APPROVED', pendingSigner: change.leaver },
      { state: 'APPROVED', designatedSigner: change.leaver },
    ];
    if (lastSigner) waiting.push({ state: 'APPROVED', designatedSigner: { $exists: false } });
    const docs = await documents.findOutgoing(change.agency, { $or: waiting });
    const actor: Actor = { username: 'system', agency: change.agency, roles: ['agency_admin'] };
    let moved = 0;
    for (const doc of docs) {
      try {
        await runUpdate(
          deps.temporal.workflow.getHandle(documentWorkflowId(doc.agency, doc.id)),
          rerouteUpdate,
          [actor, { leaver: change.leaver, successor: change.successor, changeId: change.changeId }],
        );
        moved++;
      } catch (err) {
        deps.logger.warn({ err, document: doc.id, change: change.changeId }, 'document not re-routed');
      }
    }
    return moved;
  };
}
