import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { EdxmlMessage } from '../../../schemas/edxml-wire';
import type { PeerRecord } from './edxml-peer';

/** DER certificate → PEM. */
export const toPem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE-----\n${Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;

export interface PeerIdentity {
  keyPem: string;
  chainPem: string;
  organId: string;
  organName: string;
}

/** The edXML peer (edxml-peer.ts) as a child process, driven over its HTTP endpoints. */
export class EdxmlPeerProcess {
  private log = '';
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.stderr!.on('data', (c: Buffer) => (this.log = (this.log + c.toString()).slice(-20_000)));
  }

  static async start(identity: PeerIdentity): Promise<EdxmlPeerProcess> {
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'edxml-peer.ts')], {
      cwd: join(__dirname, '../../..'),
      env: { ...process.env, PEER_CONFIG: JSON.stringify(identity) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`edXML peer did not start:\n${err}`)), 30_000);
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const line = out.split('\n').find((l) => l.startsWith('{"port"'));
        if (line) {
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
      child.on('exit', (code) => reject(new Error(`edXML peer exited with ${code}:\n${err}`)));
    });
    return new EdxmlPeerProcess(child, `http://127.0.0.1:${port}`);
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`peer ${method} ${path}: ${res.status} ${await res.text()}\n${this.log}`);
    return res.json();
  }

  configure(c: { inboxUrl: string; token: string; anchorsPem: string }): Promise<unknown> {
    return this.call('POST', '/configure', c);
  }

  /** Has the peer write, sign (unless `sign: false`) and POST a message; what the province answered. */
  send(s: {
    model?: EdxmlMessage;
    raw?: string;
    sign?: boolean;
    token?: string;
    contentType?: string;
    // The province's answer, read field by field by the tests.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }): Promise<{ status: number; body: any }> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return this.call('POST', '/send', s) as Promise<{ status: number; body: any }>;
  }

  /** The next `count` deliveries to the peer are answered with HTTP `status`. */
  failNext(count: number, status: number): Promise<unknown> {
    return this.call('POST', '/fail-next', { count, status });
  }

  refused(): Promise<{ status: number; at: string }[]> {
    return this.call('GET', '/refused') as Promise<{ status: number; at: string }[]>;
  }

  received(): Promise<PeerRecord[]> {
    return this.call('GET', '/received') as Promise<PeerRecord[]>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
      setTimeout(() => this.child.kill('SIGKILL'), 5_000).unref();
    });
  }
}
