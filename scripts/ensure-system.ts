import { spawnSync } from 'node:child_process';
import { machineProbe, planSystem } from './lib/system-tools';
import { ensureTools } from './lib/tools';

/**
 * `npm test`'s pretest step: before anything runs, the system tools the tests call (pdfsig, qpdf, certutil,
 * ghostscript, chromium…) are installed with apt-get when this is root, or the run stops at once with the one
 * command that installs them; then the service binaries (Temporal, NATS, FerretDB) are found or built once.
 * Quick when everything is present: a PATH lookup per tool and a stat per binary.
 */
const say = (line: string) => console.log(`[pretest] ${line}`);

function aptGet(args: string[]): void {
  const result = spawnSync('apt-get', args, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`apt-get ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
}

function ensureSystemTools(): void {
  const plan = planSystem(machineProbe());
  if (plan.action === 'nothing') return;
  if (plan.action === 'stop') throw new Error(plan.message);
  say(`installing ${plan.packages.join(' ')} (missing: ${plan.missing.map((t) => t.command).join(', ')})`);
  aptGet(['update', '-qq']);
  aptGet(['install', '-y', '-qq', '--no-install-recommends', ...plan.packages]);
  const after = planSystem(machineProbe());
  if (after.action !== 'nothing')
    throw new Error(`still missing after apt-get: ${after.missing.map((t) => t.command).join(', ')}`);
}

try {
  const started = Date.now();
  ensureSystemTools();
  ensureTools(process.env, say);
  const seconds = (Date.now() - started) / 1000;
  if (seconds > 2) say(`system tools and service binaries ready in ${seconds.toFixed(1)} s`);
} catch (err) {
  console.error(`[pretest] ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
