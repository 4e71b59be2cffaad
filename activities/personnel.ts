import { Context, log } from '@temporalio/activity';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { MongoServerError, type Db, type Filter } from 'mongodb';
import { documentWorkflowId, type Actor } from '../schemas/document';
import { PersonnelCollections, type PersonnelChange } from '../schemas/pki';
import type { AuditStore } from '../store/audit-store';
import { DocumentStore, type OutgoingView } from '../store/document-store';
import { IdentityStore } from '../store/identity-store';
import type { PkiStore } from '../store/pki-store';
import { rerouteUpdate } from '../workflows/exchange-messages';

export interface PersonnelActivityDeps {
  db: Db;
  pki: PkiStore;
  audit: AuditStore;
  /** The Temporal client that re-routes documents; by default the worker's own (activity context). */
  temporalClient?: () => Client;
}

/** Who a change concerns and when it was decided; every step of one change receives the same values. */
export interface PersonnelStepInput {
  changeId: string;
  agency: string;
  leaver: string;
  successor?: string;
  /** ISO time the change was accepted; revocation and audit use it, so a retried step writes the same values. */
  at: string;
}

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/**
 * The side effects of a leadership change ("thay đổi nhân sự"), one activity per step. Each step may run again
 * after a worker crash or a lost completion, so each one is idempotent: it recognises what an earlier attempt of
 * the same change (same `changeId`, same `at`) already did and answers as if it had done it now.
 */
export function createPersonnelActivities(deps: PersonnelActivityDeps) {
  const identity = new IdentityStore(deps.db);
  const client = deps.temporalClient ?? (() => Context.current().client);
  return {
    /**
     * Revokes the leaver's active personal certificates with affiliationChanged (RFC 5280 5.3.1). A certificate an
     * earlier attempt revoked (same reason, same time) is reported again, and the CRL republished in case that
     * attempt died between the revocation and the publication.
     */
    async revokeLeaverCertificates(input: PersonnelStepInput): Promise<string[]> {
      const at = new Date(input.at);
      const revoked: string[] = [];
      let republish = false;
      for (const cert of await deps.pki.listCertificates({ agency: input.agency })) {
        if (cert.profile !== 'personal' || cert.username !== input.leaver) continue;
        if (cert.status === 'active') {
          await deps.pki.revoke(cert.serialHex, 'affiliationChanged', at);
          revoked.push(cert.serialHex);
        } else if (
          cert.revocationReason === 'affiliationChanged' &&
          cert.revokedAt?.getTime() === at.getTime()
        ) {
          revoked.push(cert.serialHex);
          republish = true;
        }
      }
      if (republish) await deps.pki.publishCrl('issuing', at);
      return revoked;
    },

    /** Closes the leaver's account and invalidates its tokens, once per change. */
    async closeLeaverAccount(input: PersonnelStepInput): Promise<void> {
      await identity.closeAccount(input.leaver, input.changeId);
    },

    /** Re-routes the documents waiting on the leaver (see `rerouteWaitingDocuments`); returns how many moved. */
    async rerouteLeaverDocuments(input: PersonnelStepInput): Promise<number> {
      return rerouteWaitingDocuments(deps.db, identity, client(), input);
    },

    /** Stores the change under its id; the record an earlier attempt stored counts as success. */
    async recordPersonnelChange(change: PersonnelChange): Promise<void> {
      try {
        await deps.db
          .collection(PersonnelCollections.changes)
          .insertOne({ _id: change.id as never, ...change });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    },

    /** Audits the change once: the event id is derived from the change id, and the audit store skips a known id. */
    async auditPersonnelChange(input: { change: PersonnelChange; at: string }): Promise<void> {
      const { change } = input;
      await deps.audit.append({
        id: `pki.personnel_change:${change.id}`,
        time: input.at,
        agency: change.agency,
        actor: change.recordedBy,
        type: 'pki.personnel_change',
        details: { ...change },
      });
    },
  };
}

export type PersonnelActivities = ReturnType<typeof createPersonnelActivities>;

/** Per change, the document workflows a reroute was sent to (`attempted`) and those that took it (`moved`). */
interface RerouteProgress {
  _id: string;
  attempted: string[];
  moved: string[];
}

/** The documents of the agency waiting on the leaver, as workflow ids (read model, see `rerouteWaitingDocuments`). */
async function waitingOn(db: Db, identity: IdentityStore, change: PersonnelStepInput): Promise<string[]> {
  const leaver = await identity.getUser(change.leaver);
  const others = (await identity.listUsers({ agency: change.agency })).filter(
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
  const docs = await new DocumentStore(db).findOutgoing(change.agency, { $or: waiting });
  return docs.map((doc) => documentWorkflowId(doc.agency, doc.id));
}

/**
 * Re-routes the documents waiting on someone who left: an approval stage listing the leaver (open or later), a
 * signature requested by or assigned to them, or — when the leaver was the agency's last signer — every approved
 * document waiting for a signature. The successor takes the leaver's place, or the document returns to its
 * drafter. A retry after a crash must neither apply a reroute twice nor forget one it made: each update carries an
 * update id derived from the change (Temporal answers a repeated id with the first outcome), and every document is
 * noted as attempted before its update is sent, so a retry sends it again — and counts it — even when the read
 * model no longer lists the document as waiting. A refusal (the document moved on, or closed) is logged and
 * skipped; anything else (Temporal unreachable) fails the attempt, to be retried.
 */
async function rerouteWaitingDocuments(
  db: Db,
  identity: IdentityStore,
  client: Client,
  change: PersonnelStepInput,
): Promise<number> {
  const progress = db.collection<RerouteProgress>(PersonnelCollections.reroutes);
  const earlier = await progress.findOne({ _id: change.changeId });
  const targets = new Set([...(earlier?.attempted ?? []), ...(await waitingOn(db, identity, change))]);
  const actor: Actor = { username: 'system', agency: change.agency, roles: ['agency_admin'] };
  const note = (field: 'attempted' | 'moved', workflowId: string) =>
    progress.updateOne({ _id: change.changeId }, { $addToSet: { [field]: workflowId } }, { upsert: true });
  for (const workflowId of targets) {
    if (earlier?.moved?.includes(workflowId)) continue;
    await note('attempted', workflowId);
    try {
      await client.workflow.getHandle(workflowId).executeUpdate(rerouteUpdate, {
        args: [actor, { leaver: change.leaver, successor: change.successor, changeId: change.changeId }],
        updateId: `reroute:${change.changeId}`,
      });
      await note('moved', workflowId);
    } catch (err) {
      const refused =
        err instanceof WorkflowUpdateFailedError ||
        err instanceof WorkflowNotFoundError ||
        /already completed|not found/i.test(String(err));
      if (!refused) throw err;
      log.warn('document not re-routed', { err: String(err), workflowId, change: change.changeId });
    }
  }
  return (await progress.findOne({ _id: change.changeId }))?.moved?.length ?? 0;
}
