import { spawn } from 'node:child_process';
import { Supervisor } from '../../../scripts/lib/supervisor';

// The supervisor driven with real processes: a long-running child killed with SIGKILL comes back with a new pid
// after the backoff; a child that exits at once keeps crashing and is given up on.
const policy = { initialDelayMs: 200, maxDelayMs: 1_000, maxCrashes: 3, windowMs: 60_000 };

const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('supervision of real child processes', () => {
  it('restarts a child killed with SIGKILL, logging the restart', async () => {
    const lines: string[] = [];
    const sup = new Supervisor({
      name: 'worker',
      spawn: () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }),
      log: (l) => lines.push(l),
      onGiveUp: () => lines.push('gave up'),
      policy,
    });
    try {
      const first = sup.start();
      await until(() => sup.current !== undefined);
      process.kill(first.pid!, 'SIGKILL');
      await until(() => sup.current !== undefined && sup.current !== first);
      expect(sup.current!.pid).not.toBe(first.pid);
      expect(sup.restarts).toBe(1);
      expect(lines).toEqual(['worker exited unexpectedly (signal SIGKILL); restarting in 0.2 s (restart 1)']);
    } finally {
      await sup.stop();
    }
    expect(sup.current).toBeUndefined();
  }, 20_000);

  it('gives up on a child that keeps crashing, and says so once', async () => {
    const lines: string[] = [];
    const gaveUp: string[] = [];
    let spawned = 0;
    const sup = new Supervisor({
      name: 'api',
      spawn: () => {
        spawned++;
        return spawn(process.execPath, ['-e', 'process.exit(1)'], { stdio: 'ignore' });
      },
      log: (l) => lines.push(l),
      onGiveUp: (name) => gaveUp.push(name),
      policy,
    });
    sup.start();
    await until(() => gaveUp.length > 0);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(spawned).toBe(3);
    expect(gaveUp).toEqual(['api']);
    expect(lines).toEqual([
      'api exited unexpectedly (code 1); restarting in 0.2 s (restart 1)',
      'api exited unexpectedly (code 1); restarting in 0.4 s (restart 2)',
      'api exited unexpectedly (code 1); api keeps crashing; stopping everything',
    ]);
  }, 20_000);
});
