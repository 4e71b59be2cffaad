/**
 * Keeps a child process running as a process supervisor would (systemd's `Restart=on-failure` with
 * `StartLimitBurst`): a child that exits without being asked is started again after an exponential backoff, each
 * restart logged and counted; a child that keeps crashing (too many exits within a window) is given up on, and the
 * owner decides what that means (`npm start` stops everything).
 */

/** What the supervisor needs of a child: node's ChildProcess fits, and so does a fake in unit tests. */
export interface SupervisedProcess {
  readonly pid?: number;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

export interface RestartPolicy {
  /** Delay before the first restart; doubled for each further crash within the window. */
  initialDelayMs: number;
  /** The doubling stops here. */
  maxDelayMs: number;
  /** This many crashes within `windowMs` and the child is given up on. */
  maxCrashes: number;
  windowMs: number;
}

/** 1 s, 2 s, 4 s… capped at 30 s; five crashes within two minutes stop the stack. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxCrashes: 5,
  windowMs: 120_000,
};

export type RestartDecision = { action: 'restart'; delayMs: number } | { action: 'give-up' };

/**
 * The pure rule: given the times of this child's crashes (the latest last) and now, restart after a delay that
 * doubles with each crash still inside the window, or give up when the window holds `maxCrashes` of them.
 */
export function decideRestart(
  crashTimes: readonly number[],
  now: number,
  policy: RestartPolicy,
): RestartDecision {
  const recent = crashTimes.filter((t) => now - t < policy.windowMs).length;
  if (recent >= policy.maxCrashes) return { action: 'give-up' };
  const exponent = Math.max(0, recent - 1);
  return { action: 'restart', delayMs: Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent) };
}

/** Seconds for a log line: "2 s", "0.5 s". */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

export interface SupervisorOptions {
  /** Used in log lines: "worker exited unexpectedly (code 1); restarting in 2 s (restart 3)". */
  name: string;
  spawn: () => SupervisedProcess;
  log: (line: string) => void;
  /** Called once when the child keeps crashing; the supervisor has stopped restarting it. */
  onGiveUp: (name: string) => void;
  /** Called after each (re)start with the new process, e.g. to wait for its health or record its pid. */
  onStart?: (child: SupervisedProcess, restart: number) => void;
  policy?: RestartPolicy;
  now?: () => number;
}

/** One supervised child. `start()` once; `stop()` asks it to exit (SIGTERM, then SIGKILL) and restarts no more. */
export class Supervisor {
  /** Restarts so far (crashes followed by a new start). */
  restarts = 0;
  private child: SupervisedProcess | undefined;
  private readonly crashes: number[] = [];
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly policy: RestartPolicy;
  private readonly now: () => number;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.policy ?? DEFAULT_RESTART_POLICY;
    this.now = options.now ?? Date.now;
  }

  get name(): string {
    return this.options.name;
  }

  /** The running process, or undefined between a crash and its restart. */
  get current(): SupervisedProcess | undefined {
    const c = this.child;
    return c && c.exitCode === null && c.signalCode === null ? c : undefined;
  }

  start(): SupervisedProcess {
    const child = this.options.spawn();
    this.child = child;
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    this.options.onStart?.(child, this.restarts);
    return child;
  }

  private exited(child: SupervisedProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    const now = this.now();
    this.crashes.push(now);
    const how = code !== null ? `code ${code}` : `signal ${signal}`;
    const decision = decideRestart(this.crashes, now, this.policy);
    if (decision.action === 'give-up') {
      this.stopping = true;
      this.options.log(
        `${this.name} exited unexpectedly (${how}); ${this.name} keeps crashing; stopping everything`,
      );
      this.options.onGiveUp(this.name);
      return;
    }
    this.restarts += 1;
    this.options.log(
      `${this.name} exited unexpectedly (${how}); restarting in ${seconds(decision.delayMs)} (restart ${this.restarts})`,
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.stopping) this.start();
    }, decision.delayMs);
  }

  /** Stops restarting and ends the child: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.current;
    if (!child) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(kill);
  }
}
