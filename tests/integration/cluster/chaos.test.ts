import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

// A short chaos run (bench/chaos.ts) on its own clustered stack: three NATS nodes at replicas 3, FerretDB, Temporal,
// two workers and two API instances, while a NATS node (the stream leader), a worker, an API instance and FerretDB
// are killed with SIGKILL and restarted by their supervisors. Its last line is the verdict.
const ROOT = resolve(__dirname, '../../..');
const MINUTES = 12;

function runChaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [resolve(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bench/chaos.ts', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('chaos run on the clustered stack', () => {
  it(
    'loses, duplicates and skips nothing while NATS nodes, a worker, an API instance and the database die',
    async () => {
      const run = await runChaos([
        '--documents',
        '50',
        '--faults',
        '5',
        '--seed',
        '19',
        '--timeout-minutes',
        String(MINUTES - 2),
      ]);
      const lines = run.stdout.trim().split('\n');
      const verdict = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
      // The schedule and verdict always, and the run's own account (timings, restarts, where recovery waited); the
      // tail of its whole log when it failed.
      console.log(run.stdout);
      console.log(
        run.stderr
          .split('\n')
          .filter((l) => l.startsWith('[chaos'))
          .join('\n'),
      );
      if (run.code !== 0) console.log(run.stderr.split('\n').slice(-40).join('\n'));
      expect(Object.keys(verdict)).toEqual([
        'documents',
        'faults',
        'lost',
        'duplicated',
        'numberGaps',
        'auditOk',
        'deadLetters',
        'seconds',
      ]);
      expect(verdict).toMatchObject({
        documents: 50,
        lost: 0,
        duplicated: 0,
        numberGaps: 0,
        auditOk: true,
        deadLetters: 0,
      });
      expect(verdict.faults).toBeGreaterThanOrEqual(4);
      const schedule = lines.filter((l) => l.startsWith('fault '));
      for (const kind of ['nats-leader', 'worker', 'api', 'database'])
        expect(schedule.some((l) => l.includes(` ${kind} `))).toBe(true);
      expect(run.code).toBe(0);
    },
    MINUTES * 60_000,
  );
});
