import type { FastifyInstance } from 'fastify';
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

// The HTTP edge with its storage faked: authentication, problem+json mapping and rate limiting.
const NOW = new Date('2026-05-04T03:00:00Z');
const clerk: User = {
  username: 'clerk.000.01.01.h29',
  fullName: 'Bùi Thị Lan',
  title: 'Văn thư',
  agency: '000.01.01.H29',
  roles: ['clerk'],
  active: true,
};

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

let app: FastifyInstance;
let tokens: TokenService;

beforeAll(async () => {
  const config = parseConfig(
    { LOG_LEVEL: 'silent', LOGIN_MAX_PER_USER: '3', BODY_LIMIT_BYTES: '2048' },
    'x'.repeat(40),
  );
  tokens = new TokenService(config.auth.jwtSecret, 3600);
  const identity = {
    authenticate: async (u: string, p: string) => (u === clerk.username && p === 'demo' ? clerk : null),
    listAgencies: async () => [],
    getUser: async () => clerk,
    currentAccount: async (u: string) => (u === clerk.username ? { ...clerk, tokenVersion: 0 } : null),
  } as unknown as IdentityStore;
  const deps: AppDeps = {
    config,
    logger: createLogger('silent', 'test'),
    clock: () => NOW,
    tokens,
    identity,
    loginAttempts: fakeAttempts(),
    audit: {} as AuditStore,
    pki: {} as PkiStore,
    metrics: createApiMetrics(),
    probes: { temporal: async () => {}, nats: async () => {}, mongo: async () => {} },
  };
  app = await buildApp(deps);
});

afterAll(async () => {
  await app.close();
});

const login = (username: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

describe('the HTTP edge', () => {
  it('answers 401 problem+json without a token, with a bad token, and with an expired one', async () => {
    const none = await app.inject({ method: 'GET', url: '/api/v1/me' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    expect(none.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });

    const forged = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: 'Bearer abc.def.ghi' },
    });
    expect(forged.json().code).toBe('UNAUTHENTICATED');

    const old = await tokens.issue(clerk, new Date(NOW.getTime() - 2 * 3600_000));
    const expired = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${old.token}` },
    });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().code).toBe('TOKEN_EXPIRED');
  });

  it('signs in, and the token opens the protected routes', async () => {
    const res = await login('clerk.000.01.01.h29', 'demo');
    expect(res.statusCode).toBe(200);
    const me = await app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${res.json().token}` },
    });
    expect(me.json().fullName).toBe('Bùi Thị Lan');
  });

  it('rejects wrong credentials without saying which part was wrong', async () => {
    const res = await login('nobody', 'demo');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'INVALID_CREDENTIALS', detail: 'Wrong username or password' });
  });

  it('rate-limits login attempts per username with 429 and Retry-After', async () => {
    for (let i = 0; i < 3; i++) await login('approver.000.01.01.h29', 'wrong');
    const res = await login('approver.000.01.01.h29', 'wrong');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
    expect(res.json().code).toBe('RATE_LIMITED');
  });

  it('maps malformed JSON, schema violations, unknown routes and oversized bodies to precise problems', async () => {
    const badJson = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().code).toBe('INVALID_JSON');

    const invalid = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 7 } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().errors.map((e: { path: string }) => e.path)).toEqual([
      'body.username',
      'body.password',
    ]);

    const missing = await app.inject({ method: 'GET', url: '/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().code).toBe('NOT_FOUND');

    const big = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { username: 'a', password: 'x'.repeat(5000) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('serves the OpenAPI document generated from the zod schemas', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(
      doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['username', 'password']);
    expect(doc.paths['/healthz']).toBeDefined();
  });

  it('exposes Prometheus metrics with HTTP latency by route', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.body).toContain('lienthong_http_request_duration_seconds_bucket');
    expect(res.body).toMatch(/route="\/api\/v1\/auth\/login"/);
  });
});
