import type { Command } from 'commander';
import { ApiClient, MissingRoute } from './demo-api';
import { readParties } from './demo-cast';
import { emptySummary, prng, type DemoOptions, type DemoRun, type DemoSummary } from './demo-run';
import { changeLeadership, registerPaperDocuments, runDocuments } from './demo-steps';
import type * as DemoImages from './demo-images';
import { UsageError } from './exit-codes';

/**
 * `lienthong demo`: drives a running lienthong through its HTTP API as the demo province's users would, so the
 * dashboard has something to show after `npm start`. Every step is an ordinary API call by the user whose role it
 * is (`<role>.<agency code in lowercase>`, password `demo`); nothing is written to the databases directly.
 *
 * The parts: `demo-api.ts` (the users' HTTP client: one token per user, Retry-After honoured), `demo-cast.ts`
 * (which agencies take part), `demo-steps.ts` (the scenario), `demo-documents.ts` (each document, laid out per Decree 30), `demo-images.ts`
 * (generated seals and signatures),
 * `demo-run.ts` (options, summary, shared helpers).
 */
export type { DemoOptions, DemoSummary } from './demo-run';

/** Runs the demo load against the API at `options.api`; never throws for a single failed step. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  const random = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const api = new ApiClient(options.api.replace(/\/+$/, ''), (what, seconds) => {
    if (seconds >= 5)
      process.stderr.write(`\nlienthong demo: ${what}; waiting ${seconds} s as the API asks (Retry-After)\n`);
  });
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
  // Generated seals and signatures for the cast (loaded on use: the fonts and pdf-lib take ~0.3 s to load).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  await (require('./demo-images') as typeof DemoImages).seedDemoImages(api, parties.cast).catch(noteError);
  await runDocuments(run, parties);
  await registerPaperDocuments(run, parties);
  await changeLeadership(run, parties);

  summary.logins = api.logins;
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
    .option(
      '--agencies <n>',
      'agencies taking part, every level represented (four logins each; see below)',
      positiveInt('--agencies'),
      12,
    )
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

--agencies: each agency taking part signs in its four users once, and keeps their tokens for the
run. The API allows 50 logins per address in 5 minutes (LOGIN_MAX_PER_IP), so the default of 12
agencies fits in one window; the levels (province, departments, communes) send in turn. A larger
cast works too: a refused login (429) is retried after the Retry-After the API gives.

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
