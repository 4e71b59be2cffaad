import { createServer, type Server } from 'node:http';
import { natsNodeConfig } from '../../../scripts/lib/nats-cluster';
import { startRoundRobinProxy } from '../../../scripts/lib/round-robin';
import { freePort } from '../../../scripts/lib/stack';

describe('NATS cluster configuration', () => {
  const nodes = [
    { client: 4001, cluster: 5001, monitor: 6001 },
    { client: 4002, cluster: 5002, monitor: 6002 },
    { client: 4003, cluster: 5003, monitor: 6003 },
  ];

  it('names each node, routes to all three and keeps fsync on every write', () => {
    const conf = natsNodeConfig(1, nodes, '/tmp/n2/jetstream');
    expect(conf).toContain('server_name: n2');
    expect(conf).toContain('listen: 127.0.0.1:4002');
    expect(conf).toContain('http: 127.0.0.1:6002');
    expect(conf).toContain('listen: 127.0.0.1:5002');
    expect(conf).toContain('sync_interval: always');
    for (const n of nodes) expect(conf).toContain(`nats-route://127.0.0.1:${n.cluster}`);
    expect(conf).toMatch(/cluster \{\n {2}name: lienthong/);
  });
});

describe('round-robin proxy', () => {
  const servers: Server[] = [];
  afterAll(() => servers.forEach((s) => s.close()));

  async function backend(name: string): Promise<number> {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => res.end(`${name} ${req.method} ${req.url} ${body}`));
    });
    servers.push(server);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
    return port;
  }

  it('alternates between backends, skips one that refuses connections, and answers 503 when none is up', async () => {
    const a = await backend('a');
    const b = await backend('b');
    const dead = await freePort();
    const proxy = await startRoundRobinProxy([a, dead, b], 0);
    const base = `http://127.0.0.1:${proxy.port}`;
    try {
      const answers: string[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${base}/api/v1/x?i=${i}`, { method: 'POST', body: 'Tân Phú' });
        expect(res.status).toBe(200);
        answers.push(await res.text());
      }
      expect(answers.map((t) => t.split(' ')[0])).toEqual(['a', 'b', 'a', 'b']);
      expect(answers[0]).toBe('a POST /api/v1/x?i=0 Tân Phú');
      expect(proxy.served).toEqual([2, 0, 2]);

      const none = await startRoundRobinProxy([dead], 0);
      const res = await fetch(`http://127.0.0.1:${none.port}/healthz`);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      await none.close();
    } finally {
      await proxy.close();
    }
  });
});
