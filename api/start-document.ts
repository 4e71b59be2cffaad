import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { initialOutgoingView } from '../exchange/outgoing-view';
import { documentWorkflowId, type DocumentType, type FileRef } from '../schemas/document';
import { LienthongError } from '../schemas/errors';
import type { Agency, Principal } from '../schemas/identity';
import { DocumentStore } from '../store/document-store';
import { FileStore } from '../store/file-store';
import type { AmendmentInput, DocumentWorkflowInput } from '../workflows/exchange-messages';
import type { AppDeps } from './deps';
import { temporalOf } from './exchange-support';

/** A document to start: a new draft, or an amendment (update or replacement) of a dispatched one. */
export interface NewDocument {
  type: DocumentType;
  subject: string;
  recipients: string[];
  priority?: number;
  dueDate?: string;
  fileName: string;
  /** An already stored file, or the bytes to store once the request is known to be valid. */
  file: FileRef | Buffer;
  amendment?: AmendmentInput;
}

/** The active recipients by code, without duplicates. @throws LienthongError for an unknown, merged or own agency. */
async function resolveRecipients(
  deps: AppDeps,
  sender: Agency,
  codes: string[],
): Promise<DocumentWorkflowInput['recipients']> {
  const recipients = [];
  for (const code of [...new Set(codes)]) {
    const r = await deps.identity.getAgency(code);
    if (!r || r.active === false)
      throw new LienthongError(
        'UNKNOWN_AGENCY',
        r?.successor ? `recipient ${code} was merged into ${r.successor}` : `unknown recipient ${code}`,
      );
    if (r.code === sender.code)
      throw new LienthongError('DOMAIN_VALIDATION', 'an agency cannot send to itself');
    recipients.push({ code: r.code, name: r.name });
  }
  return recipients;
}

/**
 * Checks the recipients, saves the initial read model and starts the document's workflow; an amendment names the
 * document it supersedes. Returns the new document's id.
 *
 * The initial row is the workflow's own view of its initial state (exchange/outgoing-view.ts) at version 0, saved
 * here only so the document is listed before the workflow's first write (version 1) replaces it: the row has one
 * builder whichever process writes it.
 */
export async function startDocument(
  deps: AppDeps,
  principal: Principal,
  doc: NewDocument,
  /** Given for an idempotent creation (api/idempotent-draft.ts): a workflow already started under it is this one. */
  idempotentId?: string,
): Promise<string> {
  const db = () => {
    if (!deps.db) throw new LienthongError('DEPENDENCY_DOWN', 'MongoDB is not connected');
    return deps.db;
  };
  const agency = await deps.identity.getAgency(principal.agency);
  if (!agency) throw new LienthongError('UNKNOWN_AGENCY', `agency ${principal.agency} is not registered`);
  const recipients = await resolveRecipients(deps, agency, doc.recipients);
  const file = Buffer.isBuffer(doc.file)
    ? await new FileStore(db()).put(doc.file, { fileName: doc.fileName })
    : doc.file;
  const exchange = deps.config.exchange;
  const input: DocumentWorkflowInput = {
    documentId: idempotentId ?? randomUUID(),
    agency: { code: agency.code, name: agency.name, place: agency.place, shortName: agency.shortName },
    createdBy: principal.username,
    createdAt: deps.clock().toISOString(),
    type: doc.type,
    subject: doc.subject,
    recipients,
    priority: doc.priority ?? 0,
    dueDate: doc.dueDate,
    fileName: doc.fileName,
    file,
    timing: {
      ackTimeoutSeconds: exchange.ackTimeoutSeconds,
      maxResends: exchange.maxResends,
      flowHourSeconds: exchange.flowHourSeconds,
      followUpDays: exchange.followUpDays,
    },
    amendment: doc.amendment,
  };
  await new DocumentStore(db()).saveOutgoing(initialOutgoingView(input));
  try {
    await temporalOf(deps).workflow.start('documentWorkflow', {
      workflowId: documentWorkflowId(agency.code, input.documentId),
      taskQueue: deps.config.temporal.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    // A retried idempotent request racing the first: the draft exists, started by the other request.
    if (idempotentId && err instanceof WorkflowExecutionAlreadyStartedError) return input.documentId;
    throw err;
  }
  deps.metrics.workflowsStarted.inc({ workflow: 'documentWorkflow' });
  return input.documentId;
}
