import { EventEmitter } from 'node:events';
import {
  DEFAULT_RESTART_POLICY,
  Supervisor,
  decideRestart,
  type SupervisedProcess,
} from '../../../scripts/lib/supervisor';

class FakeChild extends EventEmitter implements SupervisedProcess {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  readonly signals: NodeJS.Signals[] = [];
  constructor(readonly pid: number) {
    super();
  }
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.signals.push(signal);
    this.die(null, signal);
    return true;
  }
  die(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
  }
}

describe('restart policy', () => {
  const p = DEFAULT_RESTART_POLICY;

  it('doubles the delay with each crash inside the window, capped at 30 s', () => {
    const delays: number[] = [];
    const crashes: number[] = [];
    const policy = { ...p, maxCrashes: 100, windowMs: 10_000_000 };
    for (let i = 0; i < 8; i++) {
      crashes.push(i * 1_000);
      const d = decideRestart(crashes, i * 1_000, policy);
      if (d.action === 'restart') delays.push(d.delayMs);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('gives up at the fifth crash within two minutes', () => {
    const crashes = [0, 10_000, 20_000, 30_000];
    expect(decideRestart(crashes, 30_000, p)).toEqual({ action: 'restart', delayMs: 8_000 });
    expect(decideRestart([...crashes, 40_000], 40_000, p)).toEqual({ action: 'give-up' });
  });

  it('forgets crashes older than the window: a child that crashes once a day restarts after 1 s', () => {
    const day = 86_400_000;
    const crashes = [0, day, 2 * day, 3 * day, 4 * day, 5 * day];
    expect(decideRestart(crashes, 5 * day, p)).toEqual({ action: 'restart', delayMs: 1_000 });
  });
});

describe('Supervisor', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function supervised(policy = DEFAULT_RESTART_POLICY) {
    const children: FakeChild[] = [];
    const lines: string[] = [];
    const gaveUp: string[] = [];
    const sup = new Supervisor({
      name: 'worker',
      spawn: () => {
        const c = new FakeChild(1000 + children.length);
        children.push(c);
        return c;
      },
      log: (l) => lines.push(l),
      onGiveUp: (n) => gaveUp.push(n),
      policy,
      now: () => Date.now(),
    });
    return { sup, children, lines, gaveUp };
  }

  it('restarts a crashed child after the backoff, logging and counting each restart', () => {
    const { sup, children, lines } = supervised();
    sup.start();
    children[0]!.die(1);
    expect(lines).toEqual(['worker exited unexpectedly (code 1); restarting in 1 s (restart 1)']);
    expect(sup.current).toBeUndefined();
    jest.advanceTimersByTime(999);
    expect(children).toHaveLength(1);
    jest.advanceTimersByTime(1);
    expect(children).toHaveLength(2);
    expect(sup.current).toBe(children[1]);

    children[1]!.die(null, 'SIGKILL');
    expect(lines[1]).toBe('worker exited unexpectedly (signal SIGKILL); restarting in 2 s (restart 2)');
    jest.advanceTimersByTime(2_000);
    expect(children).toHaveLength(3);
    expect(sup.restarts).toBe(2);
  });

  it('stops restarting and reports once when the child keeps crashing', () => {
    const { sup, children, lines, gaveUp } = supervised();
    sup.start();
    for (let i = 0; i < 4; i++) {
      children[i]!.die(1);
      jest.advanceTimersByTime(10_000);
    }
    expect(children).toHaveLength(5);
    children[4]!.die(1);
    jest.advanceTimersByTime(60_000);
    expect(children).toHaveLength(5);
    expect(gaveUp).toEqual(['worker']);
    expect(lines.at(-1)).toBe(
      'worker exited unexpectedly (code 1); worker keeps crashing; stopping everything',
    );
    expect(sup.restarts).toBe(4);
  });

  it('does not restart a child it was asked to stop, nor one pending a restart', async () => {
    const { sup, children, lines } = supervised();
    sup.start();
    await sup.stop();
    expect(children[0]!.signals).toEqual(['SIGTERM']);
    expect(lines).toEqual([]);
    jest.advanceTimersByTime(60_000);
    expect(children).toHaveLength(1);

    const second = supervised();
    second.sup.start();
    second.children[0]!.die(3);
    await second.sup.stop();
    jest.advanceTimersByTime(60_000);
    expect(second.children).toHaveLength(1);
  });
});
