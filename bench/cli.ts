/**
 * CLI start-up and whole-process PAdES benchmark: `lienthong --help` against `node -e 0`, and `lienthong pdf sign` /
 * `pdf verify` of a ~50 MB PDF against poppler's `pdfsig -add-signature` / `pdfsig` on the same file, each a fresh
 * process (what a user or a script calling the CLI pays). Median wall time of several interleaved runs; peak RSS from
 * /usr/bin/time. Builds dist/ first when stale, and says whether the CLI ran compiled or through tsx (LIENTHONG_DEV=1).
 * Run: npm run bench:cli [-- --runs 7 --mb 50]. The last line of output is one JSON object with the figures.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createTestPki } from '../tests/helpers/test-pki';
import { makeBigPdf } from './lib/big-pdf';
import { certificatePem } from './lib/pem';

const root = resolve(__dirname, '..');
const bin = join(root, 'bin/lienthong.js');

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Run {
  ms: number;
  rssMb: number;
}

/** One process under /usr/bin/time: wall time measured here around the spawn, peak RSS reported by time(1). */
function once(cmd: string, args: string[], okCodes = [0]): Run {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - t0;
  if (!okCodes.includes(r.status ?? -1))
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, rssMb: kb / 1024 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Figure {
  ms: number;
  rssMb: number;
  all: number[];
}

/** Runs the named commands in turn `runs` times (interleaved, so load drift hits them alike) after one warm-up. */
function measure(cases: Record<string, () => Run>, runs: number): Record<string, Figure> {
  for (const c of Object.values(cases)) c();
  const got: Record<string, Run[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [k, c] of Object.entries(cases)) got[k]!.push(c());
  return Object.fromEntries(
    Object.entries(got).map(([k, rs]) => [
      k,
      {
        ms: median(rs.map((r) => r.ms)),
        rssMb: Math.max(...rs.map((r) => r.rssMb)),
        all: rs.map((r) => r.ms),
      },
    ]),
  );
}

async function main(): Promise<void> {
  const runs = arg('runs', 7);
  const mb = arg('mb', 50);
  const build = spawnSync(process.execPath, [join(root, 'bin/build.js')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  // With the caller's environment: LIENTHONG_DEV=1 measures the source through tsx, for comparison.
  const entry = spawnSync(
    process.execPath,
    ['-e', "process.stdout.write(require('./bin/runtime').resolveEntry('cli/main'))"],
    { cwd: root, encoding: 'utf8' },
  ).stdout;
  const mode = entry.endsWith('.js') ? 'compiled (dist/)' : 'source through tsx';

  const dir = mkdtempSync(join(tmpdir(), 'lienthong-bench-cli-'));
  try {
    const pki = await createTestPki();
    const pem = certificatePem;
    const f = (name: string) => join(dir, name);
    writeFileSync(f('key.pem'), pki.personal.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    writeFileSync(f('cert.pem'), pem(pki.personal.certificate));
    writeFileSync(f('chain.pem'), pem(pki.issuing.certificate));
    writeFileSync(f('root.der'), pki.root.certificate);
    // pdfsig signs with a key from an NSS database: the same key and chain imported from a PKCS #12 (as bench/pdf.ts).
    const sh = (c: string) => {
      const r = spawnSync('sh', ['-c', c], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${c}: ${r.stderr}`);
    };
    const nss = `sql:${dir}`;
    writeFileSync(f('all-chain.pem'), pem(pki.issuing.certificate) + pem(pki.root.certificate));
    sh(
      `openssl pkcs12 -export -inkey ${f('key.pem')} -in ${f('cert.pem')} -certfile ${f('all-chain.pem')} -name signer -passout pass:pw -out ${f('s.p12')}`,
    );
    sh(`certutil -N --empty-password -d ${nss} && pk12util -i ${f('s.p12')} -d ${nss} -W pw >/dev/null`);
    sh(`certutil -A -n root -t CT,C,C -i ${f('root.der')} -d ${nss}`);

    const input = f('in.pdf');
    writeFileSync(input, await makeBigPdf(mb * 1024 * 1024));
    const fileMb = statSync(input).size / (1 << 20);
    // The test PKI's validity is fixed in the past: sign and verify at its reference time.
    const at = pki.at.toISOString();
    const sign = () =>
      once(process.execPath, [
        bin,
        'pdf',
        'sign',
        '--in',
        input,
        '--out',
        f('ours.pdf'),
        '--cert',
        f('cert.pem'),
        '--key',
        f('key.pem'),
        '--chain',
        f('chain.pem'),
        '--time',
        at,
      ]);
    const pdfsigSign = () =>
      once('pdfsig', ['-add-signature', '-nssdir', nss, '-nick', 'signer', input, f('pop.pdf')]);
    // Both outputs must exist before verification is timed.
    sign();
    pdfsigSign();
    const figures = measure(
      {
        node: () => once(process.execPath, ['-e', '0']),
        help: () => once(process.execPath, [bin, '--help']),
        sign,
        pdfsigSign,
        verify: () =>
          once(process.execPath, [
            bin,
            'pdf',
            'verify',
            '--in',
            f('ours.pdf'),
            '--anchor',
            f('root.der'),
            '--at',
            at,
          ]),
        // pdfsig's exit status reflects its verdict (its clock is now, after the test certificates expired).
        pdfsigVerify: () => once('pdfsig', ['-nssdir', nss, '-no-ocsp', f('pop.pdf')], [0, 1, 2, 3, 4, 5]),
      },
      runs,
    );
    const line = (name: string, fig: Figure) =>
      console.log(
        `${name.padEnd(14)} ${fig.ms.toFixed(0).padStart(6)} ms median  peak RSS ${fig.rssMb.toFixed(0).padStart(4)} MB  runs ${fig.all.map((x) => x.toFixed(0)).join(' ')}`,
      );
    console.log(`CLI ${mode}; ${fileMb.toFixed(1)} MB PDF; ${runs} runs each after one warm-up`);
    for (const [k, v] of Object.entries(figures)) line(k, v);
    const r2 = (x: number) => Math.round(x * 100) / 100;
    const fig = (k: string) => figures[k]!;
    console.log(
      JSON.stringify({
        mode: entry.endsWith('.js') ? 'dist' : 'tsx',
        nodeMs: r2(fig('node').ms),
        helpMs: r2(fig('help').ms),
        helpRatio: r2(fig('help').ms / fig('node').ms),
        signMs: r2(fig('sign').ms),
        pdfsigSignMs: r2(fig('pdfsigSign').ms),
        signRatio: r2(fig('sign').ms / fig('pdfsigSign').ms),
        verifyMs: r2(fig('verify').ms),
        pdfsigVerifyMs: r2(fig('pdfsigVerify').ms),
        verifyRatio: r2(fig('verify').ms / fig('pdfsigVerify').ms),
        signPeakRssMb: r2(fig('sign').rssMb),
        verifyPeakRssMb: r2(fig('verify').rssMb),
        pdfsigSignPeakRssMb: r2(fig('pdfsigSign').rssMb),
        pdfsigVerifyPeakRssMb: r2(fig('pdfsigVerify').rssMb),
        fileMb: r2(fileMb),
        runs,
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
