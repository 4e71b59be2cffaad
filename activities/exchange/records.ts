import type { AuditEventType } from '../../schemas/audit-events';
import type { AuditEventInput } from '../../schemas/audit';
import type { HistoryEntry, NotificationKind, SupersededBy } from '../../schemas/document';
import type { IncomingUpdate, OutgoingUpdate } from '../../store/document-store';
import { exchangeContext, type ExchangeActivityDeps, type ExchangeContext } from './shared';

/** Everyone who holds a received copy: the agency's clerks, its assignee and whoever acted on it. */
async function holdersOf(
  documents: ExchangeContext['documents'],
  identity: ExchangeContext['identity'],
  agency: string,
  documentId: string,
): Promise<string[]> {
  const view = await documents.getIncoming(agency, documentId);
  const clerks = (await identity.listUsers({ agency }))
    .filter((u) => u.active !== false && u.roles.includes('clerk'))
    .map((u) => u.username);
  const actors = (view?.history ?? []).map((e) => e.actor).filter((a) => a !== 'system');
  return [...new Set([...clerks, ...(view?.assignee ? [view.assignee] : []), ...actors])].sort();
}

/** Record activities: the audit trail, read models, KPI counters and notices to holders of a document. */
export function createRecordActivities(
  deps: ExchangeActivityDeps,
  { documents, kpis, identity, notifications }: ExchangeContext = exchangeContext(deps),
) {
  const notifyHolders = async (input: {
    agency: string;
    documentId: string;
    kind: NotificationKind;
    key: string;
    message: string;
  }): Promise<number> =>
    notifications.notify({
      ...input,
      usernames: await holdersOf(documents, identity, input.agency, input.documentId),
      at: deps.clock().toISOString(),
    });

  return {
    /**
     * Tells every holder of a received copy (clerks, assignee, whoever acted on it) that it was recalled or
     * superseded; one notice per person and event, however often retried.
     */
    notifyHolders,

    /**
     * Marks a document whose workflow has closed as superseded by a newer version: read model, audit event, KPI
     * counters and, for a received copy, its holders. Nothing happens when the earlier version is unknown here.
     */
    async markSuperseded(input: {
      side: 'outgoing' | 'incoming';
      agency: string;
      id: string;
      by: SupersededBy;
      eventId: string;
    }): Promise<{ found: boolean }> {
      const at = deps.clock().toISOString();
      const type: AuditEventType = input.side === 'outgoing' ? 'document.superseded' : 'incoming.superseded';
      const entry: HistoryEntry = { at, event: type, actor: 'system', state: 'SUPERSEDED' };
      const before = await documents.markSuperseded(input.side, input.agency, input.id, input.by, entry);
      if (!before) return { found: false };
      // Already superseded by another version (two replacements of one document): nothing more to record.
      if (before.supersededBy && before.supersededBy.id !== input.by.id) return { found: true };
      const sender = 'from' in before ? { from: before.from.code, messageId: before.messageId } : {};
      const stored = await deps.audit.append({
        id: input.eventId,
        time: at,
        agency: input.agency,
        actor: 'system',
        type,
        documentId: input.id,
        details: { state: 'SUPERSEDED', by: input.by.id, kind: input.by.kind, ...sender },
      });
      await kpis.apply(stored);
      if (input.side === 'incoming')
        await notifyHolders({
          agency: input.agency,
          documentId: input.id,
          kind: 'superseded',
          key: input.eventId,
          message: `Văn bản số ${before.number}/${before.notation} đã được ${input.by.kind === 'update' ? 'cập nhật' : 'thay thế'} bởi văn bản mới`,
        });
      return { found: true };
    },

    /**
     * Appends one audit event (idempotent by its id) and stores the read model that goes with it (version-guarded,
     * so a retried or late write never goes backwards).
     */
    async recordDocumentEvent(input: {
      event: AuditEventInput;
      outgoing?: OutgoingUpdate;
      incoming?: IncomingUpdate;
      /** The one new history line (workflows before the change sent the whole array in the view instead). */
      entry?: HistoryEntry;
    }): Promise<void> {
      await record([input.event], input.outgoing, input.incoming, input.entry);
    },

    /**
     * Several events of one document at once (a dispatch to every recipient, the statuses that arrived together):
     * one group-committed append of the events in order, their counters, and one write of the read model with all
     * their history lines. Idempotent as `recordDocumentEvent`.
     */
    async recordDocumentEvents(input: {
      events: AuditEventInput[];
      outgoing?: OutgoingUpdate;
      incoming?: IncomingUpdate;
      entries: HistoryEntry[];
    }): Promise<void> {
      await record(input.events, input.outgoing, input.incoming, input.entries);
    },
  };

  /**
   * The read model does not wait for the audit trail: the writes are independent and each idempotent (audit events
   * by id, KPI counters by event id, the view by version), so a retried activity counts once, audits once and never
   * moves the view backwards. Counters need the stored events, so they follow the append; one after another, since
   * two events of one document may change the same open item.
   */
  async function record(
    events: AuditEventInput[],
    outgoing: OutgoingUpdate | undefined,
    incoming: IncomingUpdate | undefined,
    entries: HistoryEntry | HistoryEntry[] | undefined,
  ): Promise<void> {
    const countAll = async () => {
      // Submitted together, in order: the audit chain's group commit stores them in one insert.
      const stored = await Promise.all(events.map((e) => deps.audit.append(e)));
      await kpis.applyAll(stored);
    };
    await Promise.all([
      countAll(),
      outgoing && documents.saveOutgoing(outgoing, entries),
      incoming && documents.saveIncoming(incoming, entries),
    ]);
  }
}
