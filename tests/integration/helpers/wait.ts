import { user, type Api } from './api';

const POLL_MS = 150;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Polls until `probe` returns a value (not undefined) or the time runs out. `lastSeen`, when given, describes
 * what the last poll saw, so that a timeout says how far the thing got rather than only that it did not arrive.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  lastSeen?: () => unknown,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let error: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      error = undefined;
    } catch (err) {
      error = err;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const seen = lastSeen?.();
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}` +
      (seen !== undefined ? `; last seen: ${describe(seen)}` : '') +
      (error ? `; last error: ${String(error)}` : ''),
  );
}

/** A bounded JSON rendering for timeout messages (a received document carries its whole history). */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}

/** A received or outgoing document as the API returns it; tests read it field by field, as they do responses. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Polled = any;

export interface WaitOptions {
  /** What the wait is for, in the timeout message; defaults to the item and agency. */
  what?: string;
  timeoutMs?: number;
}

/**
 * Waits until the received document `id` at `agency` (read as the agency's clerk) satisfies `predicate`, and
 * returns it. Until it is received the inbox answers 404, which counts as not yet.
 */
export function waitForInbox(
  a: Api,
  agency: string,
  id: string,
  predicate: (item: Polled) => boolean,
  options: WaitOptions = {},
): Promise<Polled> {
  return waitForDocument(a, user('clerk', agency), `/inbox/${id}`, predicate, {
    what: `inbox item ${id} at ${agency}`,
    ...options,
  });
}

/**
 * Waits until the outgoing document `id` of `agency` (read as the agency's drafter) satisfies `predicate` — its
 * state, or its recipients' status codes — and returns it.
 */
export function waitForOutgoing(
  a: Api,
  agency: string,
  id: string,
  predicate: (doc: Polled) => boolean,
  options: WaitOptions = {},
): Promise<Polled> {
  return waitForDocument(a, user('drafter', agency), `/documents/${id}`, predicate, {
    what: `outgoing document ${id} of ${agency}`,
    ...options,
  });
}

/** Polls `url` as `username` until it answers 200 with a document `predicate` accepts; remembers what it saw. */
function waitForDocument(
  a: Api,
  username: string,
  url: string,
  predicate: (doc: Polled) => boolean,
  options: WaitOptions & { what: string },
): Promise<Polled> {
  let last: unknown;
  return waitFor(
    async () => {
      const res = await a.call(username, 'GET', url);
      last = res.status === 200 ? summary(res.body) : `HTTP ${res.status}`;
      return res.status === 200 && predicate(res.body) ? res.body : undefined;
    },
    options.what,
    options.timeoutMs,
    () => last,
  );
}

/** The fields that say where a document stands, without its file or full history. */
function summary(doc: Polled): unknown {
  if (!doc || typeof doc !== 'object') return doc;
  const { state, statusCode, reason, verification, recall, recipients, history } = doc;
  return {
    state,
    statusCode,
    reason,
    verification: verification && { ok: verification.ok, reason: verification.reason },
    recall,
    recipients: Array.isArray(recipients)
      ? recipients.map((r: Polled) => ({ agency: r.agency, statusCode: r.statusCode, state: r.state }))
      : undefined,
    lastEvent: Array.isArray(history) ? history.at(-1)?.event : undefined,
  };
}
