import { request, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** How long a backend that refused a connection is skipped before it is tried again. */
const DEAD_FOR_MS = 2_000;

export interface RoundRobinProxy {
  readonly server: Server;
  readonly port: number;
  /** Requests answered by each backend, in the order given. */
  readonly served: number[];
  close(): Promise<void>;
}

/**
 * A small round-robin HTTP proxy in front of several API instances (the cluster's load balancer). Each request
 * goes to the next backend; one that refuses the connection is skipped for a moment and the request tried on the
 * next, which is safe because a refused connection carried nothing. A backend that dies after it received a
 * request answers 502 and the client decides (the API's steps are idempotent or refused by state). No backend
 * reachable: 503 with Retry-After, which lienthong's clients wait out.
 */
export async function startRoundRobinProxy(
  backends: readonly number[],
  port: number,
  host = '127.0.0.1',
): Promise<RoundRobinProxy> {
  let next = 0;
  const deadUntil = backends.map(() => 0);
  const served = backends.map(() => 0);

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, tried: number): void => {
    if (tried >= backends.length) {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      res.end(JSON.stringify({ title: 'No API instance is reachable', status: 503 }));
      return;
    }
    const now = Date.now();
    let i = next++ % backends.length;
    // Prefer a backend not known dead; if all are, try them anyway (one may be back).
    for (let k = 0; k < backends.length && deadUntil[i]! > now; k++) i = next++ % backends.length;
    const upstream = request(
      {
        host: '127.0.0.1',
        port: backends[i],
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' },
      },
      (answer) => {
        served[i]!++;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') {
        deadUntil[i] = Date.now() + DEAD_FOR_MS;
        forward(req, res, body, tried + 1);
        return;
      }
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'The API instance failed during the request', status: 502 }));
      } else res.destroy();
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, res, Buffer.concat(chunks), 0));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolveListen());
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    served,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
