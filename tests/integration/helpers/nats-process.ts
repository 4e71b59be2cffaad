import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { portInUse } from '../../../scripts/lib/stack';
import { testStack } from './stack-info';

/**
 * A nats-server of the suite's build run with a configuration the test writes (a province hub, a commune's leaf
 * node): started in `dir`, its log in `dir/<name>.log`, its monitoring endpoint readable as JSON.
 */
export class NatsProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly monitorPort: number,
    readonly logFile: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(options: {
    name: string;
    dir: string;
    config: string;
    port: number;
    monitorPort: number;
  }): Promise<NatsProcess> {
    const conf = join(options.dir, `${options.name}.conf`);
    writeFileSync(conf, options.config);
    const logFile = join(options.dir, `${options.name}.log`);
    const log = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(testStack().tools.natsServer, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    const deadline = Date.now() + 15_000;
    while (!(await portInUse(options.port))) {
      if (child.exitCode !== null) {
        await new Promise((r) => setTimeout(r, 100));
        const tail = readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n');
        throw new Error(`${options.name}: nats-server exited with ${child.exitCode}:\n${tail}`);
      }
      if (Date.now() > deadline) throw new Error(`${options.name}: nats-server did not listen in 15 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return new NatsProcess(child, options.port, options.monitorPort, logFile);
  }

  /** GET on the monitoring endpoint (`/leafz`, `/jsz` …). */
  async monitor<T = Record<string, unknown>>(path: string): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${this.monitorPort}${path}`);
    if (!res.ok) throw new Error(`monitor ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /** Number of leaf connections this server has (either end of a link counts it). */
  async leafConnections(): Promise<number> {
    return (await this.monitor<{ leafnodes: number }>('/leafz')).leafnodes;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 8_000);
    await exited;
    clearTimeout(timer);
  }
}
