import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, retryAfterSeconds, RETRY_LIMITS } from '../../../cli/demo-api';
import { chooseCast, type Agency } from '../../../cli/demo-cast';
import { prng } from '../../../cli/demo-run';

/** A stand-in API: counts logins, refuses the first `refuseLogins` with 429, and checks bearer tokens. */
function fakeApi(refuseLogins: number) {
  const seen = { logins: 0, calls: 0 };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/v1/auth/login') {
      seen.logins++;
      if (seen.logins <= refuseLogins) {
        res.writeHead(429, { 'retry-after': '1' }).end('{"code":"RATE_LIMITED"}');
        return;
      }
      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      res.end(JSON.stringify({ token: `t${seen.logins}`, expiresAt }));
      return;
    }
    seen.calls++;
    const ok = /^Bearer t\d+$/.test(req.headers.authorization ?? '');
    res.writeHead(ok ? 200 : 401).end(JSON.stringify({ ok }));
  });
  return { server, seen };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the demo client', () => {
  let fake: ReturnType<typeof fakeApi>;
  afterEach(() => new Promise<void>((r) => fake.server.close(() => r())));

  it('signs each user in once for the whole run, even when steps run concurrently', async () => {
    fake = fakeApi(0);
    const api = new ApiClient(await listen(fake.server));
    await Promise.all(Array.from({ length: 6 }, () => api.must('clerk.a', 'GET', '/inbox')));
    await api.must('drafter.a', 'GET', '/documents');
    expect(fake.seen).toEqual({ logins: 2, calls: 7 });
    expect(api.logins).toBe(2);
  });

  it('waits out a refused login as Retry-After says, and then goes on', async () => {
    fake = fakeApi(1);
    const waits: number[] = [];
    const api = new ApiClient(await listen(fake.server), (_what, seconds) => waits.push(seconds));
    const reply = await api.call('clerk.a', 'GET', '/inbox');
    expect(reply).toEqual({ status: 200, body: { ok: true } });
    expect(waits).toEqual([1]);
  });

  it('reads Retry-After in seconds or as a date, and bounds it', () => {
    const now = Date.parse('2026-11-30T00:00:00Z');
    expect(retryAfterSeconds('7', now)).toBe(7);
    expect(retryAfterSeconds('Mon, 30 Nov 2026 00:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds(null, now)).toBe(1);
    expect(retryAfterSeconds('86400', now)).toBe(RETRY_LIMITS.longestWaitSeconds);
  });
});

describe('the demo cast', () => {
  const agency = (code: string, level: string): Agency => ({ code, name: code, level });
  const directory = [
    agency('P', 'province'),
    ...['D1', 'D2', 'D3', 'D4', 'D5'].map((c) => agency(c, 'department')),
    ...['C1', 'C2', 'C3', 'C4', 'C5', 'C6'].map((c) => agency(c, 'commune')),
  ];

  it('takes every level in turn, so a small cast still has the province, departments and communes', () => {
    const cast = chooseCast(directory, 4, prng(1));
    expect(cast.map((a) => a.level)).toEqual(['province', 'department', 'commune', 'department']);
  });

  it('takes each agency once and stops when the directory runs out', () => {
    const cast = chooseCast(directory, 50, prng(2));
    expect(cast).toHaveLength(directory.length);
    expect(new Set(cast.map((a) => a.code)).size).toBe(directory.length);
  });
});
