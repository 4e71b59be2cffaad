/**
 * PAdES sign + verify benchmark: a 1 MB and a 50 MB PDF, each operation in a fresh child process so peak RSS is
 * the operation's own. Side by side on the same files in the same run: poppler `pdfsig -add-signature` + `pdfsig`
 * verify, and `openssl dgst -sha256` + `openssl pkeyutl -sign` (the floor: hashing and one RSA signature).
 * Run: npx tsx bench/pdf.ts
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySigner } from '../pki';
import { createTestPki } from '../tests/helpers/test-pki';
import { signPdfFile, verifyPdf } from '../pdf';
import { makeBigPdf } from './lib/big-pdf';
import { certificatePem } from './lib/pem';

interface Measure {
  seconds: number;
  maxRssMb: number;
  /** Ours only: peak RSS of the child before the operation started (node, tsx, test PKI). */
  baseMb?: number;
}

/** Runs a shell command under /usr/bin/time and returns wall time and peak RSS. */
function timed(cmd: string, env: NodeJS.ProcessEnv = process.env): Measure {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', 'sh', '-c', cmd], {
    encoding: 'utf8',
    env,
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
  const [sec, kb] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { seconds: sec!, maxRssMb: kb! / 1024 };
}

/** Our operation in a fresh child: returns the operation's own time and the child's peak RSS. */
function child(args: string[]): Measure {
  const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', __filename, '--child', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`child ${args[0]} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Measure;
}

async function runChild(argv: string[]): Promise<void> {
  const [op, dir, input, output] = argv;
  const pki = await createTestPki();
  const t0 = performance.now();
  const before = process.resourceUsage().maxRSS;
  if (op === 'sign') {
    await signPdfFile(input!, output!, {
      signer: createKeySigner(pki.personal.privateKey, [pki.personal.certificate, pki.issuing.certificate]),
      signingTime: new Date('2026-02-10T02:15:00Z'),
    });
  } else if (op === 'verify') {
    const r = await verifyPdf(input!, { anchors: pki.anchors, at: pki.at, revocation: 'none' });
    if (!r.signatures.length) throw new Error('nothing verified');
  }
  void dir;
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(
    `${JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, baseMb: before / 1024 })}\n`,
  );
}

function fmt(m: Measure): string {
  return `${m.seconds.toFixed(3).padStart(7)} s ${m.maxRssMb.toFixed(0).padStart(5)} MB`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lienthong-bench-pdf-'));
  const pki = await createTestPki();
  const keyPem = pki.personal.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const pem = certificatePem;
  writeFileSync(join(dir, 'key.pem'), keyPem);
  writeFileSync(join(dir, 'cert.pem'), pem(pki.personal.certificate));
  writeFileSync(join(dir, 'chain.pem'), pem(pki.issuing.certificate) + pem(pki.root.certificate));
  const nss = `sql:${dir}`;
  const sh = (c: string) => spawnSync('sh', ['-c', c], { encoding: 'utf8' });
  sh(
    `openssl pkcs12 -export -inkey ${dir}/key.pem -in ${dir}/cert.pem -certfile ${dir}/chain.pem -name signer -passout pass:pw -out ${dir}/s.p12`,
  );
  sh(`certutil -N --empty-password -d ${nss} && pk12util -i ${dir}/s.p12 -d ${nss} -W pw >/dev/null`);
  writeFileSync(join(dir, 'root.der'), pki.root.certificate);
  sh(`certutil -A -n root -t CT,C,C -i ${dir}/root.der -d ${nss}`);

  console.log(
    'size   | ours sign         | pdfsig sign       | openssl dgst+sign | ours verify       | pdfsig verify     | ratios (ours/pdfsig)',
  );
  for (const mb of [1, 50]) {
    const input = join(dir, `in-${mb}.pdf`);
    writeFileSync(input, await makeBigPdf(mb * 1024 * 1024));
    const oursSign = child(['sign', dir, input, join(dir, `ours-${mb}.pdf`)]);
    const oursVerify = child(['verify', dir, join(dir, `ours-${mb}.pdf`)]);
    const popSign = timed(
      `pdfsig -add-signature -nssdir ${nss} -nick signer ${input} ${dir}/pop-${mb}.pdf 2>/dev/null`,
    );
    const popVerify = timed(`pdfsig -nssdir ${nss} -no-ocsp ${dir}/pop-${mb}.pdf >/dev/null 2>&1; true`);
    const ossl = timed(
      `openssl dgst -sha256 -binary ${input} > ${dir}/d.bin && openssl pkeyutl -sign -inkey ${dir}/key.pem -in ${dir}/d.bin -pkeyopt digest:sha256 > ${dir}/s.bin`,
    );
    const ratio = (a: Measure, b: Measure) =>
      `${(a.seconds / b.seconds).toFixed(2)}x time ${(a.maxRssMb / b.maxRssMb).toFixed(2)}x RSS`;
    console.log(
      `${String(mb).padStart(3)} MB | ${fmt(oursSign)} | ${fmt(popSign)} | ${fmt(ossl)} | ${fmt(oursVerify)} | ${fmt(popVerify)} | ` +
        `sign ${ratio(oursSign, popSign)}; verify ${ratio(oursVerify, popVerify)}; ` +
        `ours peak RSS above baseline: sign +${(oursSign.maxRssMb - oursSign.baseMb!).toFixed(0)} MB, ` +
        `verify +${(oursVerify.maxRssMb - oursVerify.baseMb!).toFixed(0)} MB (baseline ${oursSign.baseMb!.toFixed(0)} MB)`,
    );
  }
  console.log(
    'ours: operation time measured inside a fresh node child (tsx loaded, PKI generated before timing); RSS is the whole child.',
  );
  console.log(
    'pdfsig/openssl: whole process under /usr/bin/time. pdfsig -add-signature embeds a font (~470 KB) in its appearance.',
  );
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child')
  runChild(process.argv.slice(3)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
else
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
