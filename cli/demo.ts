import type { Command } from 'commander';
import type * as PdfLib from 'pdf-lib';
import type * as DemoDocuments from './demo-documents';
import type * as DemoImages from './demo-images';
import { UsageError } from './exit-codes';

/**
 * `lienthong demo`: drives a running lienthong through its HTTP API as the demo province's users would, so the
 * dashboard has something to show after `npm start`. Every step is an ordinary API call by the user whose role it
 * is (`<role>.<agency code in lowercase>`, password `demo`); nothing is written to the databases directly.
 */

type Role = 'drafter' | 'approver' | 'signer' | 'clerk' | 'agency_admin';

export interface DemoOptions {
  api: string;
  documents: number;
  days: number;
  concurrency: number;
  seed: number;
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
  agencies: number;
  documents: {
    requested: number;
    issued: number;
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

interface Agency {
  code: string;
  name: string;
  level: string;
  active?: boolean;
}

interface Reply {
  status: number;
  // The demo reads a few fields of the API's answers; the API validates them against its own schemas.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

class MissingRoute extends Error {
  override readonly name = 'MissingRoute';
  constructor(readonly route: string) {
    super(`the API has no route ${route}`);
  }
}

class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Small deterministic PRNG (mulberry32), so `--seed` replays the same scenario. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A path with its ids replaced by `:id`, for the list of missing routes. */
const routeOf = (path: string) =>
  path
    .split('?')[0]!
    .split('/')
    .map((part) => (/\d/.test(part) && part.length > 16 ? ':id' : part))
    .join('/');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const username = (role: Role, agency: string) => `${role}.${agency.toLowerCase()}`;

/** Date in Vietnam (UTC+7) as yyyy-MM-dd, `daysAgo` days before now. */
function vietnamDay(daysAgo: number, now = Date.now()): string {
  return new Date(now - daysAgo * 86_400_000 + 7 * 3600_000).toISOString().slice(0, 10);
}

const SUBJECTS = [
  'Về việc triển khai kế hoạch chuyển đổi số năm',
  'Về việc báo cáo kết quả cải cách hành chính quý',
  'Về việc tổ chức hội nghị sơ kết công tác',
  'Về việc tăng cường phòng chống thiên tai',
  'Về việc góp ý dự thảo quy chế phối hợp',
  'Về việc cung cấp số liệu thống kê',
  'Về việc kiểm tra công tác văn thư, lưu trữ',
  'Về việc hướng dẫn sử dụng chữ ký số',
];
const TYPES = ['CV', 'CV', 'CV', 'TB', 'KH', 'BC', 'GM', 'QD'] as const;
const APPROVAL_REASONS = [
  'Bổ sung căn cứ pháp lý',
  'Sửa lại số liệu tại mục 2',
  'Rà soát lại thể thức văn bản',
];
const RECIPIENT_REASONS = ['Không thuộc thẩm quyền giải quyết', 'Gửi nhầm cơ quan', 'Thiếu phụ lục kèm theo'];

/** A one-page PDF (pdf-lib, standard font, so the text is kept to ASCII). */
export async function demoPdf(text: string): Promise<Buffer> {
  const ascii = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'D')
    .replace(/[^\x20-\x7e]/g, '?');
  // Loaded here, not at the top: main.ts registers `demo` on every run, and pdf-lib takes ~0.3 s to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { PDFDocument, StandardFonts } = require('pdf-lib') as typeof PdfLib;
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595.28, 841.89]).drawText(ascii.slice(0, 90), { x: 72, y: 760, size: 11, font });
  return Buffer.from(await doc.save({ useObjectStreams: false }));
}

/** The API as a set of users: logs each one in on first use and again when a token expires. */
class ApiClient {
  private readonly tokens = new Map<string, string>();
  constructor(private readonly base: string) {}

  async login(user: string): Promise<string> {
    const res = await fetch(`${this.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user, password: 'demo' }),
    });
    if (res.status === 404) throw new MissingRoute('POST /api/v1/auth/login');
    if (res.status !== 200) throw new ApiFailure(`login of ${user} refused (${res.status})`, res.status);
    const token = ((await res.json()) as { token: string }).token;
    this.tokens.set(user, token);
    return token;
  }

  async call(user: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Reply> {
    for (let attempt = 0; ; attempt++) {
      const token = this.tokens.get(user) ?? (await this.login(user));
      const res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = text;
      }
      if (res.status === 401 && attempt === 0) {
        this.tokens.delete(user);
        continue;
      }
      const detail = (parsed as { detail?: string } | undefined)?.detail;
      if (res.status === 404 && typeof detail === 'string' && detail.startsWith('No route '))
        throw new MissingRoute(`${method} /api/v1${routeOf(path)}`);
      return { status: res.status, body: parsed };
    }
  }

  /** A call that must answer `expected`; anything else throws with the problem's detail. */
  async must(user: string, method: 'GET' | 'POST', path: string, body?: unknown, expected = 200) {
    const res = await this.call(user, method, path, body);
    if (res.status !== expected) {
      const b = res.body as { code?: string; detail?: string } | undefined;
      throw new ApiFailure(
        `${method} ${path} as ${user}: ${res.status} ${b?.code ?? ''} ${b?.detail ?? ''}`.trim(),
        res.status,
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return res.body as any;
  }
}

/**
 * Records a personnel change as the province administrator and waits for it: the API answers 201 when its
 * workflow finishes within the request's wait, else 202 and the change is polled until recorded.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function personnelChange(api: ApiClient, body: Record<string, unknown>): Promise<any> {
  const started = await api.call('admin', 'POST', '/pki/personnel-changes', body);
  if (started.status === 201) return started.body;
  const answer = started.body as { id?: string; code?: string; detail?: string } | undefined;
  if (started.status !== 202 || !answer?.id)
    throw new ApiFailure(
      `POST /pki/personnel-changes as admin: ${started.status} ${answer?.code ?? ''} ${answer?.detail ?? ''}`.trim(),
      started.status,
    );
  for (let attempt = 0; attempt < 120; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const polled = await api.call('admin', 'GET', `/pki/personnel-changes/${answer.id}`);
    if (polled.status === 200) return polled.body;
    if (polled.status !== 202)
      throw new ApiFailure(`personnel change ${answer.id}: ${polled.status}`, polled.status);
  }
  throw new Error(`personnel change ${answer.id} still running after a minute`);
}

/** A text progress bar on stderr: redrawn in place on a terminal, one line per tenth otherwise. */
function progressBar(total: number, enabled: boolean) {
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

/** What every step of one demo run shares: the seeded random source, the API client and the running summary. */
interface DemoRun {
  options: DemoOptions;
  api: ApiClient;
  random: () => number;
  pick: <T>(items: readonly T[]) => T;
  summary: DemoSummary;
  /** Records an error (or a missing route) and lets the run go on. */
  noteError: (err: unknown) => void;
}

/** The agencies of the directory, and those whose four demo users can sign in (only they send). */
interface DemoParties {
  agencies: Agency[];
  senders: Agency[];
}

/** An empty summary of a run with `options`. */
function emptySummary(options: DemoOptions): DemoSummary {
  return {
    api: options.api,
    seed: options.seed,
    days: options.days,
    durationMs: 0,
    agencies: 0,
    documents: { requested: options.documents, issued: 0, returnedInApproval: 0, withdrawn: 0, failed: 0 },
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

/** The directory, read as the province administrator, and the agencies that can send. */
async function readParties(run: DemoRun): Promise<DemoParties> {
  const { options, api, summary, noteError } = run;
  let agencies: Agency[];
  try {
    agencies = ((await api.must('admin', 'GET', '/agencies')).items as Agency[]).filter(
      (a) => a.active !== false,
    );
  } catch (err) {
    if (err instanceof TypeError)
      throw new UsageError(`cannot reach the lienthong API at ${options.api} (${String(err.cause ?? err)})`);
    throw err;
  }
  summary.agencies = agencies.length;
  if (agencies.length < 2) throw new UsageError('the API lists fewer than two agencies: nothing to exchange');

  // Senders need all four roles able to sign in (a leaver from an earlier run cannot).
  const senders: Agency[] = [];
  for (const agency of agencies) {
    try {
      for (const role of ['drafter', 'approver', 'signer', 'clerk'] as const)
        await api.login(username(role, agency.code));
      senders.push(agency);
    } catch (err) {
      noteError(err);
    }
  }
  if (senders.length === 0)
    throw new UsageError('no agency has demo users that can sign in (password "demo")');
  return { agencies, senders };
}

/** One recipient's side of a delivery: wait until it arrives verified, then reject, accept late or accept. */
async function receive(run: DemoRun, sender: string, id: string, recipient: string): Promise<void> {
  const { options, api, random, pick, summary } = run;
  const clerk = username('clerk', recipient);
  const inboxId = `${sender}_${id}`;
  const deadline = Date.now() + options.receiptTimeout * 1000;
  let item: Reply['body'];
  for (;;) {
    const res = await api.call(clerk, 'GET', `/inbox/${inboxId}`);
    item = res.status === 200 ? res.body : undefined;
    if (item?.statusCode === '02') {
      summary.recipients.autoRejected++;
      return;
    }
    if (item?.statusCode === '01' && item.verification) break;
    if (Date.now() > deadline) {
      summary.recipients.timedOut++;
      throw new Error(
        `${inboxId} did not arrive verified at ${recipient} within ${options.receiptTimeout} s`,
      );
    }
    await sleep(250);
  }
  const fate = random();
  if (fate < 0.1) {
    await api.must(clerk, 'POST', `/inbox/${inboxId}/reject`, { reason: pick(RECIPIENT_REASONS) });
    summary.recipients.rejected++;
    return;
  }
  if (fate < 0.3) {
    await sleep(options.lateSeconds * 1000 * (0.5 + random()));
    summary.recipients.acceptedLate++;
  }
  await api.must(clerk, 'POST', `/inbox/${inboxId}/accept`, {});
  summary.recipients.accepted++;
  if (random() < 0.6) {
    const assignee = username('approver', recipient);
    await api.must(clerk, 'POST', `/inbox/${inboxId}/assign`, { username: assignee });
    await api.must(assignee, 'POST', `/inbox/${inboxId}/process`, {});
    await api.must(assignee, 'POST', `/inbox/${inboxId}/complete`, {});
    summary.recipients.completed++;
  }
}

/** One outgoing document from draft to issue (sometimes returned or withdrawn), then its recipients' answers. */
async function oneDocument(run: DemoRun, parties: DemoParties, i: number): Promise<void> {
  const { options, api, random, pick, summary, noteError } = run;
  const { agencies, senders } = parties;
  const sender = pick(senders);
  const others = agencies.filter((a) => a.code !== sender.code);
  const count = Math.min(others.length, 1 + Math.floor(random() * 3));
  const recipients: string[] = [];
  while (recipients.length < count) {
    const r = pick(others).code;
    if (!recipients.includes(r)) recipients.push(r);
  }
  const s = sender.code;
  const subject = `${pick(SUBJECTS)} ${new Date().getFullYear()} (${i + 1})`;
  const daysAgo = random() * options.days;
  const type = pick(TYPES);
  // A real Decree 30 document. Loaded on use, not at the top: pdf-lib and the fonts take ~0.3 s to load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { demoDocumentPdf } = require('./demo-documents') as typeof DemoDocuments;
  const pdf = await demoDocumentPdf({
    sender,
    recipients: agencies.filter((a) => recipients.includes(a.code)),
    agencies,
    type,
    subject,
    date: vietnamDay(0),
    variant: i,
  });
  const created = await api.must(
    username('drafter', s),
    'POST',
    '/documents',
    {
      type,
      subject,
      recipients,
      priority: random() < 0.15 ? 2 : 1,
      // Server time stamps cannot be backdated; the due date is the one date the demo spreads.
      dueDate: vietnamDay(daysAgo - 14),
      fileName: `${subject}.pdf`,
      pdfBase64: pdf.toString('base64'),
    },
    201,
  );
  const id = created.id as string;
  await api.must(username('drafter', s), 'POST', `/documents/${id}/submit`, {});
  const fate = random();
  if (fate < 0.15) {
    await api.must(username('approver', s), 'POST', `/documents/${id}/reject`, {
      reason: pick(APPROVAL_REASONS),
    });
    summary.documents.returnedInApproval++;
    if (fate < 0.05) {
      await api.must(username('drafter', s), 'POST', `/documents/${id}/withdraw`, {});
      summary.documents.withdrawn++;
      return;
    }
    await api.must(username('drafter', s), 'POST', `/documents/${id}/submit`, {});
  }
  // The agency's flow may have several approval steps; the demo's approver takes each one it may.
  for (let step = 0; step < 5; step++) {
    const approved = await api.must(username('approver', s), 'POST', `/documents/${id}/approve`, {
      comment: 'Đồng ý',
    });
    if (approved.state !== 'IN_APPROVAL') break;
  }
  await api.must(username('signer', s), 'POST', `/documents/${id}/sign`, {});
  await api.must(username('clerk', s), 'POST', `/documents/${id}/issue`, {});
  summary.documents.issued++;
  summary.recipients.deliveries += recipients.length;
  const results = await Promise.allSettled(recipients.map((r) => receive(run, s, id, r)));
  for (const r of results) if (r.status === 'rejected') noteError(r.reason);
}

/** The electronic documents, `options.concurrency` at a time, with the progress bar. */
async function runDocuments(run: DemoRun, parties: DemoParties): Promise<void> {
  const { options, summary, noteError } = run;
  const bar = progressBar(options.documents, options.progress);
  let finished = 0;
  let next = 0;
  const lanes = Array.from(
    { length: Math.max(1, Math.min(options.concurrency, options.documents)) },
    async () => {
      while (next < options.documents) {
        const i = next++;
        try {
          await oneDocument(run, parties, i);
        } catch (err) {
          summary.documents.failed++;
          noteError(err);
        }
        bar(++finished, `documents (${summary.documents.issued} issued)`);
      }
    },
  );
  await Promise.all(lanes);
}

/** Paper documents ("văn bản giấy"), dated over the last `days` days: about one for every four electronic ones. */
async function registerPaperDocuments(run: DemoRun, parties: DemoParties): Promise<void> {
  const { options, api, random, pick, summary, noteError } = run;
  const { agencies, senders } = parties;
  const paper = Math.max(1, Math.round(options.documents / 4));
  for (let i = 0; i < paper && summary.paperDocuments.skipped === null; i++) {
    const from = pick(senders).code;
    const to = pick(agencies.filter((a) => a.code !== from)).code;
    try {
      await api.must(
        username('clerk', from),
        'POST',
        '/paper-documents',
        {
          direction: 'sent',
          from,
          to,
          number: 100_000 + Math.floor(random() * 899_999),
          notation: 'CV-GIAY',
          date: vietnamDay(random() * options.days),
          type: 'CV',
          subject: `${pick(SUBJECTS)} (bản giấy)`,
        },
        201,
      );
      summary.paperDocuments.registered++;
    } catch (err) {
      if (err instanceof MissingRoute) summary.paperDocuments.skipped = 'route missing';
      if (!(err instanceof ApiFailure && err.status === 409)) noteError(err);
    }
  }
}

/** A leadership change near the end: a sender's signer leaves, the approver takes over their pending work. */
async function changeLeadership(run: DemoRun, parties: DemoParties): Promise<void> {
  const { api, summary, noteError } = run;
  const { senders } = parties;
  const changing = senders[senders.length - 1]!;
  try {
    const change = await personnelChange(api, {
      agency: changing.code,
      leaver: username('signer', changing.code),
      successor: username('approver', changing.code),
      note: 'Điều động, bổ nhiệm lãnh đạo (dữ liệu demo)',
    });
    summary.leadershipChange = {
      agency: changing.code,
      leaver: change.leaver,
      successor: change.successor,
      revokedSerials: change.revokedSerials.length,
      reroutedDocuments: change.reroutedDocuments,
    };
  } catch (err) {
    noteError(err);
  }
}

/** Runs the demo load against the API at `options.api`; never throws for a single failed step. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const api = new ApiClient(options.api.replace(/\/+$/, ''));
  const summary = emptySummary(options);
  const noteError = (err: unknown) => {
    if (err instanceof MissingRoute) {
      if (!summary.missingRoutes.includes(err.route)) {
        summary.missingRoutes.push(err.route);
        process.stderr.write(`\nlienthong demo: ${err.message}; the steps that need it are skipped\n`);
      }
      return;
    }
    if (summary.errors.length < 20) summary.errors.push(err instanceof Error ? err.message : String(err));
  };
  const run: DemoRun = { options, api, random, pick, summary, noteError };

  const parties = await readParties(run);
  // Generated seals and signatures for the senders (loaded on use: the fonts and pdf-lib take ~0.3 s to load).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('./demo-images') as typeof DemoImages).seedDemoImages(api, parties.senders).catch(noteError);
  await runDocuments(run, parties);
  await registerPaperDocuments(run, parties);
  await changeLeadership(run, parties);

  summary.durationMs = Date.now() - started;
  return summary;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive whole number`);
  return n;
};

/** Registers `lienthong demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Drive the running system through its HTTP API with a realistic demo load')
    .option('--documents <n>', 'electronic documents to send', positiveInt('--documents'), 50)
    .option('--days <d>', 'spread dates over the last D days (see below)', positiveInt('--days'), 30)
    .option(
      '--api <url>',
      'base URL of the lienthong API',
      process.env.LIENTHONG_API_URL ?? 'http://127.0.0.1:8080',
    )
    .option('--concurrency <n>', 'documents in flight at a time', positiveInt('--concurrency'), 4)
    .option('--seed <n>', 'seed of the scenario (same seed, same choices)', positiveInt('--seed'))
    .option(
      '--late-seconds <s>',
      'how long a late recipient waits before accepting',
      positiveInt('--late-seconds'),
      5,
    )
    .option(
      '--receipt-timeout <s>',
      'seconds to wait for a document to arrive verified',
      positiveInt('--receipt-timeout'),
      120,
    )
    .option('--no-progress', 'no progress bar on stderr')
    .addHelpText(
      'after',
      `
Users: the demo accounts <role>.<agency code in lowercase> with password "demo" (drafter, approver,
signer, clerk; "admin" for the directory and the leadership change), as seeded by npm start.

What it does: documents between random agencies (1-3 recipients), approvals (some returned to the
drafter with a reason, a few withdrawn), the signer's signature with the server-held key and the
clerk's organisation signature on issue, recipients that accept (some late, by --late-seconds),
reject with a reason, or assign/process/complete; paper documents; and near the end a leadership
change (POST /api/v1/pki/personnel-changes: one agency's signer leaves, the approver takes over).
A route the running API lacks is reported on stderr and in "missingRoutes", and the rest goes on.

--days: the API cannot backdate what the server time-stamps (creation, approval, signing, issue,
receipt and status times are the time of this run). --days only spreads the dates the API takes
from the caller: paper documents' date and electronic documents' due date.

Output: a progress bar on stderr, then a JSON summary on stdout. Exit 0 when the run finished
(individual failed steps are counted in the summary), 2 when the API cannot be used at all.
Environment: LIENTHONG_API_URL is the default for --api.`,
    )
    .action(async (opts: Omit<DemoOptions, 'seed'> & { seed?: number }) => {
      const summary = await runDemo({ ...opts, seed: opts.seed ?? Date.now() % 1_000_000_007 });
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
