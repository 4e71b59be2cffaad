import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { verifyChainInput, type VerifyChainOptions } from '../../cli/pki-commands';
import { validatePath, type ValidationReport } from '../../pki';

/**
 * C2SP x509-limbo RFC 5280 cases (126, see the suite's README), run in-process through the same input handling as
 * `lienthong pki verify-chain`. Data lives in `shared/conformance/x509-limbo` beside the repository clone (or beside
 * a parent folder of it, as for a git worktree), or wherever X509_LIMBO_DIR points.
 */
function limboDir(): string {
  if (process.env.X509_LIMBO_DIR) return process.env.X509_LIMBO_DIR;
  const repo = path.resolve(__dirname, '../..');
  for (let dir = path.dirname(repo); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared/conformance/x509-limbo');
    if (existsSync(path.join(candidate, 'manifest.json'))) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(repo, '../shared/conformance/x509-limbo');
  }
}

/**
 * Cases on which lienthong deliberately disagrees with the suite, each with the profile decision behind it
 * (pki/validate/PROFILE.md). The list is exact: a listed case that agrees fails the test as well.
 */
const KNOWN_DISAGREEMENTS: Record<string, string> = {
  'rfc5280::serial::zero':
    'profile rule serialNotPositive is a warning: RFC 5280 4.1.2.2 asks users to handle such serials gracefully',
  'rfc5280::serial::negative':
    'profile rule serialNotPositive is a warning: RFC 5280 4.1.2.2 asks users to handle such serials gracefully',
  'rfc5280::serial::too-long':
    'profile rule serialTooLong is a warning: serials are compared as opaque octets, any length works',
  'rfc5280::aki::leaf-missing-aki':
    'profile rule akiMissing is a warning: paths are built by name and checked by signature, AKI is only a hint',
  'rfc5280::aki::intermediate-missing-aki':
    'profile rule akiMissing is a warning: paths are built by name and checked by signature, AKI is only a hint',
  'rfc5280::aki::cross-signed-root-missing-aki':
    'profile rule akiMissing is a warning (the suite marks this case pedantic-rfc5280)',
  'rfc5280::ski::root-missing-ski':
    'profile rule skiMissing is a warning: paths are built by name and checked by signature, SKI is only a hint',
  'rfc5280::ski::intermediate-missing-ski':
    'profile rule skiMissing is a warning: paths are built by name and checked by signature, SKI is only a hint',
  'rfc5280::root-non-critical-basic-constraints':
    'profile rule caBasicConstraintsNotCritical is a warning: PKITS 4.6.4 requires accepting a non-critical one',
  'rfc5280::pc::ica-noncritical-pc':
    'profile rule policyConstraintsNotCritical is a warning: RFC 3280 allowed it and PKITS 4.8/4.10/4.12 use it',
};

interface LimboCase {
  id: string;
  description: string;
  expected: 'SUCCESS' | 'FAILURE';
  args: string[];
}

interface Outcome {
  result: 'SUCCESS' | 'FAILURE' | 'ERROR';
  detail: string;
  ms: number;
}

const FILE_OPTIONS = new Set(['--anchor', '--anchor-unconstrained', '--intermediate', '--cert', '--crl']);
const REPEATABLE = new Set(['anchor', 'anchorUnconstrained', 'intermediate', 'crl', 'policy']);

/** Turns `verify-chain` arguments into the options commander would produce, file names resolved in `dir`. */
function optionsOf(args: string[], dir: string): VerifyChainOptions {
  const opts: Record<string, string | string[] | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const key = flag.replace(/^--/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) {
      opts[key] = true;
      continue;
    }
    const value = FILE_OPTIONS.has(flag) ? path.join(dir, next) : next;
    i++;
    if (REPEATABLE.has(key)) opts[key] = [...((opts[key] as string[] | undefined) ?? []), value];
    else opts[key] = value;
  }
  return opts as unknown as VerifyChainOptions;
}

const LIMBO_DIR = limboDir();
const manifest = JSON.parse(readFileSync(path.join(LIMBO_DIR, 'manifest.json'), 'utf8')) as {
  cases: Array<{ id: string; folder: string; expected: string; features: string[] }>;
};
const cases = manifest.cases.map((m) => {
  const dir = path.join(LIMBO_DIR, m.folder);
  return { dir, ...(JSON.parse(readFileSync(path.join(dir, 'case.json'), 'utf8')) as LimboCase) };
});

async function runCase(c: LimboCase & { dir: string }): Promise<Outcome> {
  const started = performance.now();
  let report: ValidationReport;
  try {
    report = await validatePath(await verifyChainInput(optionsOf(c.args, c.dir), new Date()));
  } catch (err) {
    return { result: 'ERROR', detail: (err as Error).message, ms: performance.now() - started };
  }
  return {
    result: report.valid ? 'SUCCESS' : 'FAILURE',
    detail: `${report.code}: ${report.message}`,
    ms: performance.now() - started,
  };
}

/**
 * `openssl verify` (default flags) on one case, as the suite's README describes it: anchors as -CAfile,
 * intermediates as -untrusted, CRLs with -crl_check, the validation time as -attime.
 */
function opensslResult(c: LimboCase & { dir: string }, work: string): 'SUCCESS' | 'FAILURE' {
  const opts = optionsOf(c.args, c.dir);
  const joined = (files: string[], name: string) => {
    const file = path.join(work, name);
    writeFileSync(file, files.map((f) => readFileSync(f, 'latin1')).join('\n'), 'latin1');
    return file;
  };
  const args = ['verify', '-CAfile', joined(opts.anchor ?? [], 'anchors.pem')];
  if (opts.intermediate?.length) args.push('-untrusted', joined(opts.intermediate, 'untrusted.pem'));
  if (opts.crl?.length) args.push('-crl_check', '-CRLfile', joined(opts.crl, 'crls.pem'));
  if (opts.at) args.push('-attime', String(Math.floor(new Date(opts.at).getTime() / 1000)));
  args.push(opts.cert);
  return spawnSync('openssl', args, { timeout: 60_000 }).status === 0 ? 'SUCCESS' : 'FAILURE';
}

describe('x509-limbo conformance (RFC 5280 path validation)', () => {
  const results = new Map<string, Outcome>();

  beforeAll(async () => {
    for (const c of cases) results.set(c.id, await runCase(c));
  }, 300_000);

  afterAll(() => {
    const agree = cases.filter((c) => results.get(c.id)?.result === c.expected).length;
    const slowest = [...results.entries()].sort((a, b) => b[1].ms - a[1].ms)[0];
    process.stdout.write(
      `x509-limbo: ${agree}/${cases.length} agree; slowest ${slowest?.[0]} ${slowest?.[1].ms.toFixed(0)} ms\n`,
    );
  });

  it('covers the 126 cases of the manifest', () => {
    expect(cases).toHaveLength(126);
    for (const id of Object.keys(KNOWN_DISAGREEMENTS)) expect(cases.map((c) => c.id)).toContain(id);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (id, c) => {
    const outcome = results.get(id)!;
    const agrees = outcome.result === c.expected;
    if (KNOWN_DISAGREEMENTS[id]) {
      expect({ id, agrees, detail: outcome.detail }).toMatchObject({ agrees: false });
      return;
    }
    expect({ id, result: outcome.result, detail: outcome.detail }).toMatchObject({ result: c.expected });
  });

  it('agrees on at least 110 cases', () => {
    const agree = cases.filter((c) => results.get(c.id)?.result === c.expected).length;
    expect(agree).toBeGreaterThanOrEqual(110);
    expect(agree).toBe(cases.length - Object.keys(KNOWN_DISAGREEMENTS).length);
  });

  it('agrees with the suite on more cases than openssl verify run on the same inputs', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'lienthong-limbo-'));
    try {
      const theirs = cases.filter((c) => opensslResult(c, work) === c.expected).length;
      const ours = cases.filter((c) => results.get(c.id)?.result === c.expected).length;
      process.stdout.write(`x509-limbo: openssl verify agrees on ${theirs}/${cases.length}\n`);
      expect(theirs).toBeGreaterThan(0);
      expect(ours).toBeGreaterThan(theirs);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 300_000);

  it('rejects the name-constraint denial-of-service cases within the work limit, quickly', () => {
    for (const id of ['pathological::nc-dos-1', 'pathological::nc-dos-2', 'pathological::nc-dos-3']) {
      const outcome = results.get(id)!;
      expect({ id, result: outcome.result }).toEqual({ id, result: 'FAILURE' });
      expect(outcome.ms).toBeLessThan(10_000);
    }
  });
});
