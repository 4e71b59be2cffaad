import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { buildApp } from '../../../api/app';
import { TokenService } from '../../../api/auth';
import type { AppDeps } from '../../../api/deps';
import { createApiMetrics } from '../../../api/metrics';
import { createLogger } from '../../../infra/logger';
import { parseConfig } from '../../../schemas/config';
import type { User } from '../../../schemas/identity';
import type { AuditStore } from '../../../store/audit-store';
import type { IdentityStore } from '../../../store/identity-store';
import type { LoginAttempts } from '../../../store/login-attempts';
import type { PkiStore } from '../../../store/pki-store';

// The security findings of issue 12 that the HTTP edge answers on its own, with storage faked.
const NOW = new Date('2026-05-04T03:00:00Z');
const PROVINCE = '000.00.00.H29';
const TP = '000.01.01.H29';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

const users: Record<string, User> = {
  admin: {
    username: 'admin',
    fullName: 'Quản trị',
    agency: PROVINCE,
    roles: ['province_admin'],
    active: true,
  },
  'lead.p': {
    username: 'lead.p',
    fullName: 'Lãnh đạo',
    agency: PROVINCE,
    roles: ['leadership'],
    active: true,
  },
  'aa.p': { username: 'aa.p', fullName: 'QT tỉnh', agency: PROVINCE, roles: ['agency_admin'], active: true },
  'aa.tp': { username: 'aa.tp', fullName: 'QT xã', agency: TP, roles: ['agency_admin'], active: true },
  'clerk.tp': { username: 'clerk.tp', fullName: 'Văn thư', agency: TP, roles: ['clerk'], active: true },
  'approver.tp': {
    username: 'approver.tp',
    fullName: 'Duyệt',
    agency: TP,
    roles: ['approver'],
    active: true,
  },
};

/** Accounts as the store holds them now: tests close accounts, change roles and bump token versions. */
let accounts: Map<string, User & { tokenVersion: number }>;

function fakeAttempts(): LoginAttempts {
  const counts = new Map<string, number>();
  return {
    async hit(key: string, limit: number) {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      return { allowed: n <= limit, retryAfterSeconds: 42 };
    },
  } as unknown as LoginAttempts;
}

/** A route that parses by hand and lets the ZodError escape, as a handler bug would. */
const handParsed: FastifyPluginAsyncZod = async (app) => {
  app.post('/test/hand-parsed', async (request) => z.object({ n: z.number() }).parse(request.body));
  app.post(
    '/test/defaulted',
    { schema: { body: z.object({ note: z.string().max(10).optional() }).default({}) } },
    async (request) => request.body,
  );
};

async function makeApp(env: Record<string, string> = {}): Promise<{ app: FastifyInstance; deps: AppDeps }> {
  const config = parseConfig(
    { LOG_LEVEL: 'silent', LOGIN_MAX_PER_IP: '2', METRICS_TOKEN, ...env },
    'x'.repeat(40),
  );
  const identity = {
    authenticate: async (u: string, p: string) => (p === 'demo' ? (accounts.get(u) ?? null) : null),
    listAgencies: async () => [],
    getUser: async (u: string) => accounts.get(u) ?? null,
    currentAccount: async (u: string) => accounts.get(u) ?? null,
  } as unknown as IdentityStore;
  const deps: AppDeps = {
    config,
    logger: createLogger('silent', 'test'),
    clock: () => NOW,
    tokens: new TokenService(config.auth.jwtSecret, 3600),
    identity,
    loginAttempts: fakeAttempts(),
    audit: {} as AuditStore,
    pki: {} as PkiStore,
    metrics: createApiMetrics(),
    probes: { temporal: async () => {}, nats: async () => {}, mongo: async () => {} },
  };
  return { app: await buildApp(deps, [() => handParsed]), deps };
}

let app: FastifyInstance;
let deps: AppDeps;

beforeEach(() => {
  accounts = new Map(Object.entries(users).map(([k, u]) => [k, { ...u, tokenVersion: 0 }]));
});

beforeAll(async () => {
  ({ app, deps } = await makeApp());
});

afterAll(async () => {
  await app.close();
});

const tokenOf = async (username: string) => (await deps.tokens.issue(accounts.get(username)!, NOW)).token;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('finding 1: every request sees the account as it is now', () => {
  it('refuses at once the token of an account closed after it was issued', async () => {
    const token = await tokenOf('clerk.tp');
    expect((await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) })).statusCode).toBe(
      200,
    );
    accounts.get('clerk.tp')!.active = false;
    const res = await app.inject({ method: 'GET', url: '/api/v1/me', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token whose tv claim is not the account’s current token version', async () => {
    const token = await tokenOf('clerk.tp');
    accounts.get('clerk.tp')!.tokenVersion = 1;
    const res = await app.inject({ method: 'GET', url: '/api/v1/agencies', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    const fresh = await tokenOf('clerk.tp');
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/agencies', headers: bearer(fresh) })).statusCode,
    ).toBe(200);
  });

  it('refuses the token of an account that no longer exists', async () => {
    const token = await tokenOf('clerk.tp');
    accounts.delete('clerk.tp');
    expect(
      (await app.inject({ method: 'GET', url: '/api/v1/agencies', headers: bearer(token) })).statusCode,
    ).toBe(401);
  });

  it('authorises by the account’s current roles, not the roles written in the token', async () => {
    const token = await tokenOf('admin');
    accounts.get('admin')!.roles = ['clerk'];
    const res = await app.inject({ method: 'GET', url: '/api/v1/audit/verify', headers: bearer(token) });
    expect(res.statusCode).toBe(403);
  });

  it('puts the account’s token version in the tv claim of a login token', async () => {
    accounts.get('clerk.tp')!.tokenVersion = 7;
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'clerk.tp', password: 'demo' },
      remoteAddress: '10.9.9.1',
    });
    const payload = JSON.parse(Buffer.from(res.json().token.split('.')[1], 'base64url').toString());
    expect(payload.tv).toBe(7);
    expect(payload.sub).toBe('clerk.tp');
  });
});

describe('finding 2: a lower role cannot close a higher one', () => {
  const close = async (actor: string, leaver: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/pki/personnel-changes',
      headers: bearer(await tokenOf(actor)),
      payload: { leaver },
    });

  it('forbids the province agency’s agency_admin to close the province administrator or the leadership', async () => {
    for (const leaver of ['admin', 'lead.p']) {
      const res = await close('aa.p', leaver);
      expect(res.statusCode).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
    }
  });

  it('forbids an agency_admin to close another administrator or a user of another agency', async () => {
    expect((await close('aa.p', 'aa.tp')).statusCode).toBe(403);
    expect((await close('aa.tp', 'aa.p')).statusCode).toBe(403);
  });

  it('forbids a user who is not an administrator', async () => {
    expect((await close('approver.tp', 'clerk.tp')).statusCode).toBe(403);
  });
});

describe('finding 3: X-Forwarded-For is believed only from configured proxies', () => {
  const login = (target: FastifyInstance, forwardedFor: string) =>
    target.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'nobody', password: 'x' },
      headers: { 'x-forwarded-for': forwardedFor },
      remoteAddress: '203.0.113.7',
    });

  it('counts login attempts per socket address however the header is forged (default: no proxy)', async () => {
    const fresh = await makeApp();
    try {
      const statuses: number[] = [];
      for (const forged of ['1.1.1.1', '2.2.2.2', '3.3.3.3'])
        statuses.push((await login(fresh.app, forged)).statusCode);
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await fresh.app.close();
    }
  });

  it('uses the forwarded client address when the request comes from a configured proxy', async () => {
    const proxied = await makeApp({ TRUST_PROXY: '203.0.113.0/24, 10.0.0.1' });
    try {
      const statuses: number[] = [];
      for (const client of ['1.1.1.1', '2.2.2.2', '3.3.3.3'])
        statuses.push((await login(proxied.app, client)).statusCode);
      expect(statuses).toEqual([401, 401, 401]);
    } finally {
      await proxied.app.close();
    }
  });

  it('refuses a TRUST_PROXY that is not a list of addresses', () => {
    expect(() => parseConfig({ TRUST_PROXY: 'true' }, 'x'.repeat(40))).toThrow(/TRUST_PROXY|proxy/);
    expect(parseConfig({}, 'x'.repeat(40)).http.trustProxy).toEqual([]);
  });
});

describe('finding 5: bad bodies are 400 naming the field, never 500', () => {
  it('answers 400 for a comment of the wrong type or too long, before reaching the document', async () => {
    const token = await tokenOf('approver.tp');
    for (const comment of [5, 'x'.repeat(6000)]) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/documents/some-doc/approve',
        headers: bearer(token),
        payload: { comment },
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(['body.comment']);
    }
  });

  it('maps a ZodError thrown inside a handler to 400 naming the field', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/test/hand-parsed',
      headers: bearer(await tokenOf('clerk.tp')),
      payload: { n: 'one' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path: 'n' }] });
  });

  it('refuses a wrong role (403) before looking at the body it sent', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/documents/some-doc/update',
      headers: bearer(await tokenOf('approver.tp')),
      payload: {},
    });
    expect(res.statusCode).toBe(403);
  });

  it('accepts a POST without a body where the body schema has a default', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/test/defaulted',
      headers: bearer(await tokenOf('clerk.tp')),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({});
  });

  it('declares the request body of every route that reads one in /openapi.json', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const bodyOf = (path: string) => doc.paths[path].post.requestBody?.content['application/json'].schema;
    expect(bodyOf('/api/v1/documents/{id}/approve').properties.comment.maxLength).toBe(2000);
    expect(bodyOf('/api/v1/documents/{id}/reject').required).toEqual(['reason']);
    expect(bodyOf('/api/v1/documents/{id}/recall').required).toEqual(['reason']);
    expect(bodyOf('/api/v1/documents/{id}/signature')).toBeDefined();
    expect(bodyOf('/api/v1/documents/{id}/update').required).toContain('reason');
    expect(bodyOf('/api/v1/documents')).toBeDefined();
    expect(bodyOf('/api/v1/documents/{id}/replace').properties.reason).toBeDefined();
    expect(bodyOf('/api/v1/inbox/{id}/accept').properties.incomingNumber).toBeDefined();
    expect(bodyOf('/api/v1/inbox/{id}/assign').required).toEqual(['username']);
    expect(bodyOf('/api/v1/inbox/{id}/reject').required).toEqual(['reason']);
    expect(bodyOf('/api/v1/inbox/{id}/recall/refuse').required).toEqual(['reason']);
    expect(doc.paths['/api/v1/auth/login'].post.security).toEqual([]);
  });

  it('refuses with 422 a flow condition nested beyond the documented depth', async () => {
    let when: unknown = { field: 'priority', op: 'eq', value: 1 };
    for (let i = 0; i < 2500; i++) when = { not: when };
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/admin/flows',
      headers: bearer(await tokenOf('admin')),
      payload: {
        name: 'deep',
        title: 'Deep',
        scope: { agency: TP },
        stages: [{ id: 's1', name: 'S1', approvers: { roles: ['approver'] }, when }],
      },
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.some((e: { message: string }) => /nest at most 16/.test(e.message))).toBe(true);
  });
});

describe('finding 6: authentication comes before the body', () => {
  it('answers 401, not a schema error, to an anonymous request with a bad body', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/pki/requests', payload: { profile: 42 } });
    expect(res.statusCode).toBe(401);
    expect(res.headers.connection).toBe('close');
  });

  it('reads no more than 16 KiB of the one anonymous body, the login', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'nobody', password: 'x'.repeat(100_000) },
      remoteAddress: '10.9.9.2',
    });
    expect(res.statusCode).toBe(413);
  });

  it('answers 401 to an anonymous 58 MB upload after its headers, without waiting for the body', async () => {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const size = 58 * 1024 * 1024;
    const answer = await new Promise<{ status: number; sent: number }>((resolve, reject) => {
      let sent = 0;
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/v1/documents',
          headers: { 'content-type': 'application/json', 'content-length': String(size) },
        },
        (res) => {
          res.resume();
          resolve({ status: res.statusCode ?? 0, sent });
          req.destroy();
        },
      );
      req.on('error', (err) =>
        (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err),
      );
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      req.write(chunk);
      sent += chunk.length;
    });
    expect(answer.status).toBe(401);
    expect(answer.sent).toBeLessThan(size);
  });
});

describe('finding 7: the deep health check is not for anyone', () => {
  it('refuses the deep check anonymously and to an ordinary user, keeps the shallow one open', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/healthz?deep=true' })).statusCode).toBe(401);
    const clerk = await app.inject({
      method: 'GET',
      url: '/healthz?deep=true',
      headers: bearer(await tokenOf('clerk.tp')),
    });
    expect(clerk.statusCode).toBe(403);
  });

  it('runs the deep check for the province administrator and for the metrics token', async () => {
    for (const headers of [bearer(await tokenOf('admin')), bearer(METRICS_TOKEN)]) {
      const res = await app.inject({ method: 'GET', url: '/healthz?deep=true', headers });
      // No Temporal client here: the smoke part reports an error, which proves it ran.
      expect(res.statusCode).toBe(503);
      expect(res.json().smoke).toMatchObject({ status: 'error', error: 'no Temporal client' });
    }
    const wrong = await app.inject({
      method: 'GET',
      url: '/healthz?deep=true',
      headers: bearer('x'.repeat(30)),
    });
    expect(wrong.statusCode).toBe(401);
  });
});

describe('finding 9: response headers and malformed URLs', () => {
  it('sends nosniff, frame denial, no referrer and a strict CSP with API answers, and no-store on /api', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: bearer(await tokenOf('clerk.tp')),
    });
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    const anon = await app.inject({ method: 'GET', url: '/api/v1/me' });
    expect(anon.headers['cache-control']).toBe('no-store');
    expect(anon.headers['x-content-type-options']).toBe('nosniff');
  });

  it('gives the docs page a CSP that loads its own scripts and styles', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/' });
    expect(res.statusCode).toBe(200);
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('answers a URL with bad percent-encoding with 400 problem+json', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/documents/%FF%FE' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
