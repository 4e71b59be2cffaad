import type { AmendmentKind, ApprovalFlow, StatusCode } from './document';

/**
 * The document constants and ids workflow code needs, without zod: every module a workflow imports by value is
 * evaluated again for each workflow the worker starts (Temporal keeps module state apart per workflow), and the
 * zod schemas of schemas/document.ts cost ~60 ms of the workflow thread each time. schemas/document.ts re-exports
 * all of this, so everything else imports it from there as before.
 */

/** Status codes after which a recipient will not report again. */
export const FINAL_STATUS_CODES: readonly StatusCode[] = ['02', '06'];

/** Kinds of documents (Decree 30/2020 Appendix III abbreviations). */
export const DocumentTypes = {
  QD: { name: 'Quyết định', abbreviation: 'QĐ' },
  CV: { name: 'Công văn', abbreviation: '' },
  TB: { name: 'Thông báo', abbreviation: 'TB' },
  KH: { name: 'Kế hoạch', abbreviation: 'KH' },
  BC: { name: 'Báo cáo', abbreviation: 'BC' },
  TTR: { name: 'Tờ trình', abbreviation: 'TTr' },
  GM: { name: 'Giấy mời', abbreviation: 'GM' },
  CT: { name: 'Chỉ thị', abbreviation: 'CT' },
} as const;

/** Default flow: one approver by role; the signer then signs. */
export const DEFAULT_APPROVAL_FLOW: ApprovalFlow = {
  name: 'default',
  steps: [{ role: 'approver', mode: 'any' }],
};

/**
 * edXML BusinessDocType of an amendment: `update` (2, "cập nhật": corrected metadata, same signed file) or
 * `replace` (3, "thay thế": a new signed version).
 */
export const BUSINESS_DOC_TYPE: Record<AmendmentKind, 2 | 3> = { update: 2, replace: 3 };

/** Workflow id of an outgoing document: business key agency + document id. */
export function documentWorkflowId(agency: string, documentId: string): string {
  return `doc:${agency}:${documentId}`;
}

/** Id of an incoming record, unique per (recipient, sender, sender's document id). */
export function incomingId(sender: string, documentId: string): string {
  return `${sender}_${documentId}`;
}

/** Workflow id of a received document: deterministic, so a duplicate delivery starts nothing new. */
export function receivedWorkflowId(recipient: string, sender: string, documentId: string): string {
  return `recv:${recipient}:${incomingId(sender, documentId)}`;
}
