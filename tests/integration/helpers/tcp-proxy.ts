import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on loopback that a test can cut and restore, to take a network link down without stopping either
 * end: `cut()` destroys every open connection and refuses new ones (accepted, then closed at once, as a dead link
 * looks to a client that keeps retrying); `restore()` lets connections through again; `stall()` keeps them open
 * and silent.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private open = true;
  private stalled = false;
  /** Connections refused while cut: shows the far end kept trying. */
  refused = 0;

  private readonly server: Server;
  private port_ = 0;

  private constructor(target: { host: string; port: number }) {
    this.server = createServer((client) => this.accept(client, target));
  }

  /** The port the proxy listens on (loopback). */
  get port(): number {
    return this.port_;
  }

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.server.once('error', reject);
      proxy.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = proxy.server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    proxy.port_ = address.port;
    return proxy;
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (!this.open) {
      this.refused++;
      client.destroy();
      return;
    }
    if (this.stalled) {
      // Held open and never answered, as behind a link that drops packets.
      this.sockets.add(client);
      client.pause();
      client.on('error', () => undefined);
      return;
    }
    const upstream = createConnection(target);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  }

  /** Whether connections currently get through. */
  get isOpen(): boolean {
    return this.open;
  }

  /**
   * Stops carrying bytes without closing anything: requests in flight and new ones wait forever, as on a link that
   * drops every packet (a client sees no error, only silence). `cut()` or `close()` ends it.
   */
  stall(): void {
    this.stalled = true;
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  cut(): void {
    this.stalled = false;
    this.open = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
