import type { DocumentDetail, HistoryEntry, InboxDetail } from './document';

/**
 * Shapes of the exchange's read models. The workflows build them (through the pure builders in exchange/) and
 * store/document-store.ts persists them, so they live here where both sides may import them.
 */

/** Read model of an outgoing document, written by its workflow (version-guarded) and read by the API. */
export interface OutgoingView extends DocumentDetail {
  /** Monotonic per document: a late or retried write of an older view never overwrites a newer one. */
  version: number;
}

/** Read model of an incoming document at one recipient. */
export interface IncomingView extends Omit<InboxDetail, 'verification'> {
  agency: string;
  /** Sender's document id (`Envelope.messageId`). */
  messageId: string;
  workflowId: string;
  version: number;
}

/**
 * What a workflow writes: the view without its history (the history grows by one entry per event, appended with
 * `$addToSet`, so Temporal history stays linear in the number of events). Workflows recorded before that change
 * still send the whole array, which is then stored as is.
 */
export type OutgoingUpdate = Omit<OutgoingView, 'history'> & { history?: HistoryEntry[] };
export type IncomingUpdate = Omit<IncomingView, 'history'> & { history?: HistoryEntry[] };
