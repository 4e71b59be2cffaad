import type { ApiClient, Reply } from '../../cli/demo-api';
import { incomingId } from '../../schemas/document';
import { demoUsername } from '../../store/demo-province';

/**
 * Drives documents through the API while parts of the system die under it. Every step is an ordinary API call by
 * the user whose role it is; a step whose answer was lost (502 when an API instance died mid-request, 5xx while a
 * service was down) is not repeated blindly: the driver reads the document again and does whatever its state still
 * needs, so a step that took effect is never sent twice on purpose (and if it were, the workflow's validator
 * refuses it by state).
 */

export interface DrivenDocument {
  index: number;
  sender: string;
  recipients: string[];
  id?: string;
  number?: number;
  issued: boolean;
  /** Every recipient accepted (03 as the driver saw it). */
  accepted: boolean;
  /** Creations sent again after a lost or refused answer (the Idempotency-Key returns the first draft). */
  createRetries: number;
  error?: string;
}

export interface DriveOptions {
  api: ApiClient;
  agencies: readonly string[];
  documents: number;
  concurrency: number;
  recipientsPerDocument: number;
  pdfBase64: string;
  random: () => number;
  /** Epoch ms after which the driver stops trying. */
  deadline: number;
  onProgress?: (done: number, total: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An answer that means "try again after reading the state": lost, refused by state, or a service was down. */
const transient = (status: number) => status >= 500 || status === 409 || status === 429;

class Deadline extends Error {}

/** One call; a network error (the proxy itself never dies, but a socket may) reads as a 502. */
async function call(
  api: ApiClient,
  user: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) {
  try {
    return await api.call(user, method, path, body, headers);
  } catch (err) {
    return { status: 502, body: { detail: err instanceof Error ? err.message : String(err) } } as Reply;
  }
}

function pickRecipients(
  sender: string,
  agencies: readonly string[],
  k: number,
  random: () => number,
): string[] {
  const others = agencies.filter((a) => a !== sender);
  const chosen: string[] = [];
  while (chosen.length < Math.min(k, others.length)) {
    const a = others[Math.floor(random() * others.length)]!;
    if (!chosen.includes(a)) chosen.push(a);
  }
  return chosen;
}

/** The sender's side, from draft to DISPATCHED, by state. */
async function send(o: DriveOptions, doc: DrivenDocument): Promise<void> {
  const user = (role: 'drafter' | 'approver' | 'signer' | 'clerk') => demoUsername(role, doc.sender);
  const check = () => {
    if (Date.now() > o.deadline) throw new Deadline(`document ${doc.index}: out of time before dispatch`);
  };
  while (!doc.id) {
    check();
    // The key makes a retry after a lost answer return the draft the lost request made, not a second draft.
    const created = await call(
      o.api,
      user('drafter'),
      'POST',
      '/documents',
      {
        type: 'CV',
        subject: `Công văn kiểm thử sự cố số ${doc.index + 1} gửi Ủy ban nhân dân xã Tân Phú`,
        recipients: doc.recipients,
        fileName: 'cong-van.pdf',
        pdfBase64: o.pdfBase64,
      },
      { 'idempotency-key': `chaos-cong-van-${doc.index + 1}` },
    );
    if (created.status === 201 || created.status === 200) doc.id = created.body.id as string;
    else if (transient(created.status)) {
      doc.createRetries++;
      await sleep(500);
    } else throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
  }
  const steps: Record<string, [Parameters<typeof user>[0], string]> = {
    DRAFT: ['drafter', 'submit'],
    IN_APPROVAL: ['approver', 'approve'],
    APPROVED: ['signer', 'sign'],
    SIGNED: ['clerk', 'issue'],
  };
  for (;;) {
    check();
    const read = await call(o.api, user('drafter'), 'GET', `/documents/${doc.id}`);
    if (read.status !== 200) {
      await sleep(500);
      continue;
    }
    const state = read.body.state as string;
    if (state === 'DISPATCHED' || state === 'COMPLETED') {
      doc.issued = true;
      doc.number ??= read.body.number as number | undefined;
      return;
    }
    const step = steps[state];
    if (!step) throw new Error(`document ${doc.id} is ${state}`);
    const res = await call(o.api, user(step[0]), 'POST', `/documents/${doc.id}/${step[1]}`, {});
    if (res.status === 200 && step[1] === 'issue') doc.number = res.body.number as number;
    else if (res.status !== 200 && !transient(res.status))
      throw new Error(`${step[1]} ${doc.id}: ${res.status} ${JSON.stringify(res.body)}`);
    if (res.status !== 200) await sleep(500);
  }
}

/** One recipient: wait until the document arrives verified (01), then accept it (03). */
async function receive(o: DriveOptions, doc: DrivenDocument, recipient: string): Promise<void> {
  const clerk = demoUsername('clerk', recipient);
  const inboxId = incomingId(doc.sender, doc.id!);
  for (;;) {
    if (Date.now() > o.deadline) throw new Deadline(`${inboxId}: not accepted at ${recipient} in time`);
    const item = await call(o.api, clerk, 'GET', `/inbox/${inboxId}`);
    const code = item.status === 200 ? (item.body.statusCode as string) : undefined;
    if (code === '02') throw new Error(`${recipient} rejected ${inboxId}: ${item.body.reason}`);
    if (code && code !== '01') return; // 03 or later: accepted (perhaps by an answer that was lost)
    if (code === '01' && item.body.verification) {
      const res = await call(o.api, clerk, 'POST', `/inbox/${inboxId}/accept`, {});
      if (res.status === 200) return;
      if (!transient(res.status))
        throw new Error(`accept ${inboxId} at ${recipient}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    await sleep(400);
  }
}

/** Runs every document with at most `concurrency` in flight; never throws, each document records its error. */
export async function driveDocuments(o: DriveOptions): Promise<DrivenDocument[]> {
  const docs: DrivenDocument[] = Array.from({ length: o.documents }, (_, index) => {
    const sender = o.agencies[index % o.agencies.length]!;
    return {
      index,
      sender,
      recipients: pickRecipients(sender, o.agencies, o.recipientsPerDocument, o.random),
      issued: false,
      accepted: false,
      createRetries: 0,
    };
  });
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < docs.length) {
      const doc = docs[next++]!;
      try {
        await send(o, doc);
        await Promise.all(doc.recipients.map((r) => receive(o, doc, r)));
        doc.accepted = true;
      } catch (err) {
        doc.error = err instanceof Error ? err.message : String(err);
      }
      o.onProgress?.(++done, docs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, docs.length) }, lane));
  return docs;
}
