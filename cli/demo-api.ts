/**
 * The demo's HTTP client: the API as a set of users. Each user signs in once and keeps their token for the whole
 * run (again only on 401 or near expiry), because the API limits logins per address (50 per 5 minutes by default)
 * and a run that signed in per action was refused after the first few dozen. 429 and 503 answers are waited out
 * as their Retry-After says, a bounded number of times.
 */

/** A reply the demo reads a few fields of; the API validates them against its own schemas. */
export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** A route the running API does not have (404 "No route"): the steps that need it are skipped. */
export class MissingRoute extends Error {
  override readonly name = 'MissingRoute';
  constructor(readonly route: string) {
    super(`the API has no route ${route}`);
  }
}

/** An answer other than the one a step needs. */
export class ApiFailure extends Error {
  override readonly name = 'ApiFailure';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** How often a 429/503 is waited out before the step fails, and the longest single wait (the login window). */
export const RETRY_LIMITS = { attempts: 6, longestWaitSeconds: 330 };
/** A token this close to its expiry is renewed before use. */
const RENEW_BEFORE_MS = 60_000;

/** A path with its ids replaced by `:id`, for the list of missing routes. */
export const routeOf = (path: string) =>
  path
    .split('?')[0]!
    .split('/')
    .map((part) => (/\d/.test(part) && part.length > 16 ? ':id' : part))
    .join('/');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Seconds to wait from a Retry-After header (seconds or an HTTP date), 1 s when absent, within the bound. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number {
  let seconds = 1;
  if (header && /^\d+$/.test(header.trim())) seconds = Number(header.trim());
  else if (header && !Number.isNaN(Date.parse(header)))
    seconds = Math.ceil((Date.parse(header) - now) / 1000);
  return Math.min(Math.max(seconds, 1), RETRY_LIMITS.longestWaitSeconds);
}

const waitable = (status: number) => status === 429 || status === 503;

interface Session {
  token: string;
  expiresAt: number;
}

/** Told when the client waits out a 429/503, so the run can say why it pauses. */
export type WaitNotice = (what: string, seconds: number) => void;

export class ApiClient {
  private readonly sessions = new Map<string, Session>();
  /** Logins in flight: concurrent steps of one user share one login. */
  private readonly pending = new Map<string, Promise<Session>>();
  /** Logins sent, for the summary: one per user unless a token expired or was revoked. */
  logins = 0;

  constructor(
    private readonly base: string,
    private readonly onWait: WaitNotice = () => {},
  ) {}

  /** The user's current token, signing in when there is none or it is about to expire. */
  async token(user: string): Promise<string> {
    const session = this.sessions.get(user);
    if (session && session.expiresAt - Date.now() > RENEW_BEFORE_MS) return session.token;
    let login = this.pending.get(user);
    if (!login) {
      login = this.login(user).finally(() => this.pending.delete(user));
      this.pending.set(user, login);
    }
    return (await login).token;
  }

  private async login(user: string): Promise<Session> {
    for (let attempt = 1; ; attempt++) {
      this.logins++;
      const res = await fetch(`${this.base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user, password: 'demo' }),
      });
      if (res.status === 404) throw new MissingRoute('POST /api/v1/auth/login');
      if (waitable(res.status) && attempt < RETRY_LIMITS.attempts) {
        await this.waitOut(`login of ${user}`, res);
        continue;
      }
      if (res.status !== 200) throw new ApiFailure(`login of ${user} refused (${res.status})`, res.status);
      const body = (await res.json()) as { token: string; expiresAt?: string };
      const expiresAt = body.expiresAt ? Date.parse(body.expiresAt) : Number.POSITIVE_INFINITY;
      const session = { token: body.token, expiresAt };
      this.sessions.set(user, session);
      return session;
    }
  }

  private async waitOut(what: string, res: Response): Promise<void> {
    await res.body?.cancel();
    const seconds = retryAfterSeconds(res.headers.get('retry-after'));
    this.onWait(`${what}: ${res.status}`, seconds);
    await sleep(seconds * 1000);
  }

  /** One call as `user`; signs in again once on 401, waits out 429/503. `headers` adds to the request's own. */
  async call(
    user: string,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    let renewed = false;
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(user);
      const res = await fetch(`${this.base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status === 401 && !renewed) {
        // Expired or revoked (a password or role change bumps the token generation): one fresh login.
        renewed = true;
        this.sessions.delete(user);
        await res.body?.cancel();
        continue;
      }
      if (waitable(res.status) && attempt < RETRY_LIMITS.attempts) {
        await this.waitOut(`${method} ${routeOf(path)} as ${user}`, res);
        continue;
      }
      const parsed = parseBody(await res.text());
      const detail = (parsed as { detail?: string } | undefined)?.detail;
      if (res.status === 404 && typeof detail === 'string' && detail.startsWith('No route '))
        throw new MissingRoute(`${method} /api/v1${routeOf(path)}`);
      return { status: res.status, body: parsed };
    }
  }

  /** A call that must answer `expected`; anything else throws with the problem's detail. */
  async must(user: string, method: 'GET' | 'POST', path: string, body?: unknown, expected = 200) {
    const res = await this.call(user, method, path, body);
    if (res.status !== expected) {
      const b = res.body as { code?: string; detail?: string } | undefined;
      throw new ApiFailure(
        `${method} ${path} as ${user}: ${res.status} ${b?.code ?? ''} ${b?.detail ?? ''}`.trim(),
        res.status,
      );
    }
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return res.body as any;
  }
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}
