import type { DocumentState } from '../schemas/document';
import { refusal, type Refusal } from './refusal';

/** An amendment (update or replacement) of a document, as the read model shows it. */
export interface AmendmentRow {
  id: string;
  state: DocumentState;
}

/** An amendment stays open until it is withdrawn: until then it will supersede the document it amends. */
export const isOpenAmendment = (a: AmendmentRow): boolean => a.state !== 'WITHDRAWN';

/**
 * One open update or replacement per document: a second one would be dispatched too, and every recipient would
 * hold two active replacements of one document (CONFLICT, 409).
 */
export function checkNewAmendment(of: string, amendments: readonly AmendmentRow[]): Refusal | undefined {
  const open = amendments.find(isOpenAmendment);
  return open
    ? refusal(
        'CONFLICT',
        `the document ${of} already has an open update or replacement: ${open.id} (${open.state})`,
      )
    : undefined;
}
