import type { FastifyInstance } from 'fastify';
import { demoUsername } from '../../../store/demo-province';

/** The demo roles a test logs in as. */
export type DemoRole = 'drafter' | 'approver' | 'signer' | 'clerk' | 'agency_admin';

/** The demo user of `role` at `agency` (password `demo`). */
export const user = (role: DemoRole, agency: string) => demoUsername(role, agency);

export interface ApiResponse {
  status: number;
  // Test responses are read field by field; the API's own schemas validate them on the server side.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  raw: Buffer;
  headers: Record<string, unknown>;
}

/** Calls `/api/v1{url}` on the in-process app with a bearer token (none when `token` is undefined). */
export async function inject(
  app: FastifyInstance,
  token: string | undefined,
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  payload?: unknown,
): Promise<ApiResponse> {
  const res = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    payload: payload as never,
  });
  let body: unknown;
  try {
    body = res.json();
  } catch {
    // Files and empty bodies: the test reads `raw` instead.
    body = undefined;
  }
  return { status: res.statusCode, body, raw: res.rawPayload, headers: res.headers };
}

/** The API as one signed-in user: `api(token).get('/inbox')`. */
export interface TokenApi {
  get(url: string): Promise<ApiResponse>;
  post(url: string, payload?: unknown): Promise<ApiResponse>;
  patch(url: string, payload?: unknown): Promise<ApiResponse>;
}

export function tokenApi(app: FastifyInstance, token: string | undefined): TokenApi {
  return {
    get: (url) => inject(app, token, 'GET', url),
    post: (url, payload) => inject(app, token, 'POST', url, payload),
    patch: (url, payload) => inject(app, token, 'PATCH', url, payload),
  };
}

/** The API called by user name: each user logs in once, on first use, and keeps the token. */
export interface Api {
  call(username: string, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<ApiResponse>;
}

export function api(h: { app: FastifyInstance; login(username: string): Promise<string> }): Api {
  const tokens = new Map<string, string>();
  return {
    async call(username, method, url, payload) {
      let token = tokens.get(username);
      if (!token) {
        token = await h.login(username);
        tokens.set(username, token);
      }
      return inject(h.app, token, method, url, payload);
    },
  };
}
