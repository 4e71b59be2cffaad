import type {
  AgencyKpiTable,
  KpiSummary,
  KpiTrend,
  OpenItemView,
  AgencyKpiRow,
  AgencyRef,
} from '../../schemas/kpi';

export type { AgencyKpiTable, KpiSummary, KpiTrend, OpenItemView, AgencyKpiRow, AgencyRef };

export interface Session {
  token: string;
  user: { username: string; fullName: string; agency: string; roles: string[] };
}

export interface DrillDown {
  agency: AgencyRef;
  row: AgencyKpiRow;
  summary: KpiSummary;
  openItems: OpenItemView[];
}

const KEY = 'lienthong.dashboard.session';

export class UnauthorisedError extends Error {}

export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  return raw ? (JSON.parse(raw) as Session) : null;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export async function login(username: string, password: string): Promise<Session> {
  const res = await fetch('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new UnauthorisedError(`login failed (${res.status})`);
  const body = (await res.json()) as Session;
  const session = { token: body.token, user: body.user };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

async function request(session: Session, path: string, accept = 'application/json'): Promise<Response> {
  const res = await fetch(`/api/v1${path}`, {
    headers: { authorization: `Bearer ${session.token}`, accept },
  });
  if (res.status === 401) throw new UnauthorisedError('session expired');
  if (!res.ok) throw new Error(`${path}: ${res.status}`);
  return res;
}

export async function getJson<T>(session: Session, path: string): Promise<T> {
  return (await (await request(session, path)).json()) as T;
}

/** Downloads a CSV export through the authenticated API and hands it to the browser as a file. */
export async function downloadCsv(session: Session, path: string, fileName: string): Promise<void> {
  const blob = await (await request(session, path, 'text/csv')).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
