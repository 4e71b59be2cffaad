import type { Role } from '../../schemas/identity';

export interface SessionUser {
  username: string;
  fullName: string;
  agency: string;
  roles: Role[];
}

export interface Session {
  token: string;
  user: SessionUser;
  passwordChangeRequired: boolean;
}

const KEY = 'lienthong.workspace.session';

/** The token was refused (expired or revoked): the page returns to sign-in. */
export class UnauthorisedError extends Error {}

/** A problem+json answer (RFC 9457) turned into an error whose message is the API's own detail. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    detail: string,
    /** Field-level messages of a validation failure (`body.stages.0.id: …`). */
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Session) : null;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

function saveSession(body: { token: string; user: SessionUser; passwordChangeRequired?: boolean }): Session {
  const session = {
    token: body.token,
    user: body.user,
    passwordChangeRequired: body.passwordChangeRequired ?? false,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

async function problemOf(res: Response): Promise<ApiError> {
  let code = `HTTP_${res.status}`;
  let detail = res.statusText;
  let errors: { path: string; message: string }[] = [];
  try {
    const body = (await res.json()) as {
      code?: string;
      detail?: string;
      title?: string;
      errors?: { path: string; message: string }[];
    };
    code = body.code ?? code;
    detail = body.detail ?? body.title ?? detail;
    errors = body.errors ?? [];
    if (errors.length) detail += ` (${errors.map((e) => `${e.path}: ${e.message}`).join('; ')})`;
  } catch {
    // Not JSON: the status text is all there is.
  }
  return new ApiError(res.status, code, detail, errors);
}

export async function login(username: string, password: string): Promise<Session> {
  const res = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw await problemOf(res);
  return saveSession(await res.json());
}

export async function changePassword(
  session: Session,
  currentPassword: string,
  newPassword: string,
): Promise<Session> {
  const res = await fetch('/api/v1/auth/password', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${session.token}` },
    body: JSON.stringify({ currentPassword, newPassword }),
  });
  if (!res.ok) throw await problemOf(res);
  return saveSession(await res.json());
}

async function call(session: Session, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${session.token}` };
  let payload: BodyInit | undefined;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(`/api/v1${path}`, { method, headers, body: payload });
  if (res.status === 401) throw new UnauthorisedError('session expired');
  if (!res.ok) throw await problemOf(res);
  return res;
}

export async function getJson<T>(session: Session, path: string): Promise<T> {
  return (await (await call(session, 'GET', path)).json()) as T;
}

/** POST with a JSON body (or a FormData for multipart uploads). */
export async function postJson<T>(session: Session, path: string, body: unknown = {}): Promise<T> {
  return (await (await call(session, 'POST', path, body)).json()) as T;
}

export async function patchJson<T>(session: Session, path: string, body: unknown): Promise<T> {
  return (await (await call(session, 'PATCH', path, body)).json()) as T;
}

export async function getBytes(session: Session, path: string): Promise<ArrayBuffer> {
  return (await call(session, 'GET', path)).arrayBuffer();
}

/** Downloads a file through the authenticated API and hands it to the browser. */
export async function download(session: Session, path: string, fileName: string): Promise<void> {
  const blob = await (await call(session, 'GET', path)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
