import type { ApiClient } from './demo-api';

/**
 * What one demo run shares: its options, the summary it prints, the seeded random source, and small helpers.
 */

export type Role = 'drafter' | 'approver' | 'signer' | 'clerk' | 'agency_admin';

export interface DemoOptions {
  api: string;
  documents: number;
  days: number;
  concurrency: number;
  seed: number;
  /** Agencies taking part; each brings four demo users, and the API limits logins per address. */
  agencies: number;
  /** Seconds a late recipient waits before accepting. */
  lateSeconds: number;
  /** Seconds to wait for a document to arrive verified at a recipient. */
  receiptTimeout: number;
  progress: boolean;
}

/** What the run did, printed as JSON on stdout. */
export interface DemoSummary {
  api: string;
  seed: number;
  days: number;
  durationMs: number;
  /** Active agencies in the directory. */
  agencies: number;
  /** The agencies that took part (sent and received), every level represented. */
  participants: { code: string; level: string }[];
  /** Logins sent: one per user taking part, more only when one was refused (429) or a token expired. */
  logins: number;
  documents: {
    requested: number;
    issued: number;
    /** Issued documents by the sending agency's level (province, department, commune…). */
    issuedByLevel: Record<string, number>;
    returnedInApproval: number;
    withdrawn: number;
    failed: number;
  };
  recipients: {
    deliveries: number;
    accepted: number;
    acceptedLate: number;
    rejected: number;
    autoRejected: number;
    completed: number;
    timedOut: number;
  };
  paperDocuments: { registered: number; skipped: string | null };
  leadershipChange: {
    agency: string;
    leaver: string;
    successor: string;
    revokedSerials: number;
    reroutedDocuments: number;
  } | null;
  /** Routes the running API does not have (404 "No route"): the steps that needed them were skipped. */
  missingRoutes: string[];
  /** The first errors met (the run goes on after an error). */
  errors: string[];
}

/** Everything the steps of one run share. */
export interface DemoRun {
  options: DemoOptions;
  api: ApiClient;
  random: () => number;
  pick: <T>(items: readonly T[]) => T;
  summary: DemoSummary;
  /** Records an error (or a missing route) and lets the run go on. */
  noteError: (err: unknown) => void;
}

/** Small deterministic PRNG (mulberry32), so `--seed` replays the same scenario. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The run as one document's steps see it: its own random sequence, derived from the seed and the document's index.
 * Documents run side by side, so a shared sequence handed out its numbers in whatever order the steps happened to
 * ask, and `--seed` did not replay the same fates (which document is returned, withdrawn, rejected).
 */
export function documentRun(run: DemoRun, index: number): DemoRun {
  const random = prng(Math.imul(run.options.seed ^ 0x9e3779b9, 0x85ebca6b) + index);
  return { ...run, random, pick: (items) => items[Math.floor(random() * items.length)]! };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The demo user of `role` in `agency`: `<role>.<agency code in lowercase>`, password `demo`. */
export const username = (role: Role, agency: string) => `${role}.${agency.toLowerCase()}`;

/** Date in Vietnam (UTC+7) as yyyy-MM-dd, `daysAgo` days before now. */
export function vietnamDay(daysAgo: number, now = Date.now()): string {
  return new Date(now - daysAgo * 86_400_000 + 7 * 3600_000).toISOString().slice(0, 10);
}

/** An empty summary of a run with `options`. */
export function emptySummary(options: DemoOptions): DemoSummary {
  return {
    api: options.api,
    seed: options.seed,
    days: options.days,
    durationMs: 0,
    agencies: 0,
    participants: [],
    logins: 0,
    documents: {
      requested: options.documents,
      issued: 0,
      issuedByLevel: {},
      returnedInApproval: 0,
      withdrawn: 0,
      failed: 0,
    },
    recipients: {
      deliveries: 0,
      accepted: 0,
      acceptedLate: 0,
      rejected: 0,
      autoRejected: 0,
      completed: 0,
      timedOut: 0,
    },
    paperDocuments: { registered: 0, skipped: null },
    leadershipChange: null,
    missingRoutes: [],
    errors: [],
  };
}

/** A text progress bar on stderr: redrawn in place on a terminal, one line per tenth otherwise. */
export function progressBar(total: number, enabled: boolean) {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return (done: number, note: string) => {
    if (!enabled || total === 0) return;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${note}`;
    if (tty) {
      process.stderr.write(`\r${line.padEnd(100).slice(0, 100)}${done === total ? '\n' : ''}`);
    } else {
      const tenth = Math.floor((done / total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`${line}\n`);
      }
    }
  };
}
