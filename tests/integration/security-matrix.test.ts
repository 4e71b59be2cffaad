import { ExchangeCollections } from '../../schemas/document';
import { Roles, type Role } from '../../schemas/identity';
import { demoUsername } from '../../store/demo-province';
import { createDraft, makePdf } from './exchange/support';
import { api, startHarness, type Harness } from './helpers/harness';

/**
 * Role × route × agency matrix (issue 12): every route of /openapi.json is called with no token, as each role, and
 * as a user of an unrelated agency, and must answer the status declared for it below. A route missing from the
 * table fails the test, so a new route cannot ship without its authorisation being declared.
 */

const PROVINCE = '000.00.00.H29';
const TP = '000.01.01.H29';
const OTHER = '000.01.02.H29';
/** An agency code that names no agency: administration steps on it change nothing. */
const NO_AGENCY = '000.99.99.H29';

type Who = 'anon' | Role | 'otherAgency';
const PRINCIPALS: Who[] = ['anon', ...Roles, 'otherAgency'];

/** Who each principal is: the roles of Tân Phú's staff, the province's administrator and leadership. */
const USERNAMES: Record<Exclude<Who, 'anon'>, string> = {
  drafter: demoUsername('drafter', TP),
  approver: demoUsername('approver', TP),
  signer: demoUsername('signer', TP),
  clerk: demoUsername('clerk', TP),
  agency_admin: demoUsername('agency_admin', TP),
  province_admin: 'admin',
  leadership: demoUsername('leadership', PROVINCE),
  // A drafter of another commune: for document routes it is handed Tân Phú's real draft.
  otherAgency: demoUsername('drafter', OTHER),
};

type Statuses = Partial<Record<Who, number>>;

/**
 * How to call one route, and what each principal gets. `signedIn` is the status of every signed-in principal not
 * named in `only`; `anon` defaults to 401. `real: true` fills `{id}` with Tân Phú's real draft (or received copy,
 * under /inbox) and `{serial}` with its organisation certificate for everyone; otherwise they name nothing that
 * exists (so no step changes state), except for `otherAgency`, which always gets Tân Phú's real document (so a
 * document route proves it hides another agency's document).
 */
interface Entry {
  signedIn: number;
  only?: Statuses;
  anon?: number;
  real?: boolean;
  query?: string;
  body?: () => unknown;
}

const e = (signedIn: number, only: Statuses = {}, rest: Omit<Entry, 'signedIn' | 'only'> = {}): Entry => ({
  signedIn,
  only,
  ...rest,
});
/** Only `roles` reach the handler (answering `status`); the others are refused with 403. */
const allow = (
  roles: Who[],
  status: number,
  rest: Omit<Entry, 'signedIn' | 'only'> = {},
  extra: Statuses = {},
) => e(403, { ...Object.fromEntries(roles.map((r) => [r, status])), ...extra }, rest);
const PUBLIC = (status: number, rest: Omit<Entry, 'signedIn' | 'only'> = {}) =>
  e(status, {}, { anon: status, ...rest });

const ADMINS: Who[] = ['agency_admin', 'province_admin'];
const PKI_READERS: Who[] = ['agency_admin', 'province_admin', 'leadership'];
const TP_STAFF: Who[] = ['drafter', 'approver', 'signer', 'clerk', 'agency_admin'];
let pdfBase64 = '';
const newDraft = () => ({
  type: 'CV',
  subject: 'Ma trận',
  recipients: [PROVINCE],
  fileName: 'a.pdf',
  pdfBase64,
});
const paper = {
  direction: 'received',
  from: PROVINCE,
  to: TP,
  number: 7,
  notation: 'CV-UBND',
  date: '2026-05-04',
  type: 'CV',
  subject: 'Giấy',
};

/** THE table: one line per route. Add a line when you add a route. */
const MATRIX: Record<string, Entry> = {
  'GET /healthz': PUBLIC(200),
  'GET /pki/crl/{file}': PUBLIC(200),
  'GET /pki/ca/{file}': PUBLIC(200),
  'GET /pki/ca/tsa.cer': PUBLIC(200),
  // The TSA reads application/timestamp-query only; the matrix's JSON body is another media type.
  'POST /tsa': PUBLIC(415),
  'POST /api/v1/auth/login': PUBLIC(401, { body: () => ({ username: 'nobody', password: 'wrong' }) }),
  // The national platform's door: a user's token is known but never the external system's (EDXML_INBOX_TOKEN).
  'POST /api/v1/edxml/inbox': e(403, {}, { anon: 401 }),
  'GET /api/v1/agencies': e(200),
  'GET /api/v1/me': e(200),
  'POST /api/v1/pki/requests': allow(ADMINS, 422, {
    body: () => ({ profile: 'personal', username: 'nobody', reason: 'matrix' }),
  }),
  'GET /api/v1/pki/requests': allow(ADMINS, 200),
  'POST /api/v1/pki/requests/{id}/approve': allow(['province_admin'], 404),
  'POST /api/v1/pki/requests/{id}/reject': allow(['province_admin'], 404),
  'POST /api/v1/pki/requests/{id}/issue': allow(['province_admin'], 404, {
    body: () => ({ keyDelivery: 'server' }),
  }),
  'GET /api/v1/pki/certificates': allow(PKI_READERS, 200),
  'GET /api/v1/pki/certificates/{serial}': allow(PKI_READERS, 200, { real: true }),
  'GET /api/v1/pki/certificates/{serial}/download': allow([...PKI_READERS, 'signer', 'clerk'], 200, {
    real: true,
  }),
  'POST /api/v1/pki/certificates/{serial}/revoke': allow(ADMINS, 404, {
    body: () => ({ reason: 'superseded' }),
  }),
  'POST /api/v1/pki/certificates/import': allow(ADMINS, 422, {
    body: () => ({ profile: 'organisation', pkcs12Base64: 'A'.repeat(64), passphrase: 'x' }),
  }),
  'POST /api/v1/pki/personnel-changes': allow(ADMINS, 404, { body: () => ({ leaver: 'nobody' }) }),
  'GET /api/v1/pki/personnel-changes/{id}': allow(ADMINS, 404),
  'POST /api/v1/admin/flows': allow(ADMINS, 422, { body: () => ({}) }),
  'GET /api/v1/admin/flows': allow(ADMINS, 200),
  'GET /api/v1/admin/flows/{name}': allow(ADMINS, 404),
  'POST /api/v1/admin/flows/{name}/activate': allow(ADMINS, 404, { body: () => ({ version: 1 }) }),
  'POST /api/v1/admin/flows/{name}/simulate': allow(ADMINS, 422, { body: () => ({ definition: {} }) }),
  'POST /api/v1/admin/documents/{id}/migrate-flow': allow(ADMINS, 404),
  'POST /api/v1/documents': allow(['drafter', 'otherAgency'], 201, { body: newDraft }),
  'GET /api/v1/documents': e(200),
  'POST /api/v1/documents/{id}/update': allow(['clerk'], 404, {
    body: () => ({ reason: 'r', subject: 's' }),
  }),
  'POST /api/v1/documents/{id}/replace': allow(['drafter', 'otherAgency'], 404, {
    body: () => ({ reason: 'r', ...newDraft() }),
  }),
  'GET /api/v1/documents/{id}': e(404, Object.fromEntries(TP_STAFF.map((r) => [r, 200])), { real: true }),
  'GET /api/v1/documents/{id}/file': e(404, Object.fromEntries(TP_STAFF.map((r) => [r, 200])), {
    real: true,
  }),
  // A draft has no envelope yet: its own agency's staff get 409, everyone else the 404 of a hidden document.
  'GET /api/v1/documents/{id}/edxml': e(404, Object.fromEntries(TP_STAFF.map((r) => [r, 409])), {
    real: true,
  }),
  'GET /api/v1/documents/{id}/evidence': e(404, Object.fromEntries(TP_STAFF.map((r) => [r, 409])), {
    real: true,
  }),
  'POST /api/v1/documents/{id}/submit': e(404),
  'POST /api/v1/documents/{id}/approve': e(404, {}, { body: () => ({ comment: 'ok' }) }),
  'POST /api/v1/documents/{id}/reject': e(404, {}, { body: () => ({ reason: 'no' }) }),
  'POST /api/v1/documents/{id}/sign': e(404),
  'POST /api/v1/documents/{id}/signature': e(404, {}, { body: () => ({ signatureValue: 'AAAAAAAAAAAA' }) }),
  'POST /api/v1/documents/{id}/issue': e(404),
  'POST /api/v1/documents/{id}/withdraw': e(404),
  'POST /api/v1/documents/{id}/recall': e(404, {}, { body: () => ({ reason: 'no' }) }),
  'GET /api/v1/documents/{id}/signing-request': allow(['signer'], 404),
  'GET /api/v1/inbox': e(200),
  'GET /api/v1/inbox/{id}': e(404, Object.fromEntries(TP_STAFF.map((r) => [r, 200])), { real: true }),
  'GET /api/v1/inbox/{id}/file': e(404),
  'POST /api/v1/inbox/{id}/accept': e(404),
  'POST /api/v1/inbox/{id}/reject': e(404, {}, { body: () => ({ reason: 'no' }) }),
  'POST /api/v1/inbox/{id}/assign': e(404, {}, { body: () => ({ username: demoUsername('approver', TP) }) }),
  'POST /api/v1/inbox/{id}/process': e(404),
  'POST /api/v1/inbox/{id}/complete': e(404),
  'POST /api/v1/inbox/{id}/recall/agree': e(404),
  'POST /api/v1/inbox/{id}/recall/refuse': e(404, {}, { body: () => ({ reason: 'no' }) }),
  'GET /api/v1/notifications': e(200),
  'POST /api/v1/notifications/{id}/read': e(404),
  'GET /api/v1/audit': e(200),
  'GET /api/v1/audit/verify': allow(['province_admin'], 200),
  'GET /api/v1/kpi/summary': e(200),
  'GET /api/v1/kpi/agencies': e(200),
  'GET /api/v1/kpi/agencies/{code}': e(200, { otherAgency: 403 }),
  'GET /api/v1/kpi/trend': e(200),
  'GET /api/v1/kpi/settings/sla': e(200),
  'PUT /api/v1/kpi/settings/sla': allow(['province_admin'], 200, {
    body: () => ({ defaultHours: 48, agencies: [] }),
  }),
  'POST /api/v1/kpi/rebuild': allow(['province_admin'], 200),
  'POST /api/v1/paper-documents': allow(['clerk'], 201, { body: () => paper }),
  'GET /api/v1/paper-documents': e(200),
  'GET /api/v1/reports/yearly': e(200, {}, { query: 'year=2026' }),
  // Signed-in callers reach the handler, which refuses a wrong current password (nothing changes).
  'POST /api/v1/auth/password': e(
    401,
    {},
    {
      body: () => ({ currentPassword: 'wrong', newPassword: 'Mat-khau-moi-2026!' }),
    },
  ),
  'POST /api/v1/pki/certificates/{serial}/select': allow(ADMINS, 404),
  'GET /api/v1/admin/users': allow(ADMINS, 200),
  'GET /api/v1/admin/users/{username}': allow(ADMINS, 404),
  // A taken username: the administrators get 409 and nothing is created.
  'POST /api/v1/admin/users': allow(ADMINS, 409, {
    body: () => ({
      username: demoUsername('drafter', TP),
      fullName: 'Trùng tên',
      agency: TP,
      roles: ['drafter'],
    }),
  }),
  'PATCH /api/v1/admin/users/{username}': allow(ADMINS, 404, { body: () => ({ fullName: 'Không ai' }) }),
  'POST /api/v1/admin/users/{username}/deactivate': allow(ADMINS, 404),
  'POST /api/v1/admin/users/{username}/reactivate': allow(ADMINS, 404),
  'POST /api/v1/admin/users/{username}/reset-password': allow(ADMINS, 404),
  'GET /api/v1/admin/agencies': allow(['province_admin'], 200),
  'POST /api/v1/admin/agencies': allow(['province_admin'], 409, {
    body: () => ({ code: TP, name: 'Trùng mã', level: 'commune', parent: PROVINCE }),
  }),
  'PATCH /api/v1/admin/agencies/{code}': allow(['province_admin'], 404, {
    body: () => ({ name: 'Không có' }),
  }),
  'POST /api/v1/admin/agencies/{code}/merge-into': allow(['province_admin'], 404, {
    body: () => ({ successor: PROVINCE }),
  }),
  'POST /api/v1/admin/agencies/{code}/retire': allow(['province_admin'], 404),
  // Not a PNG: the administrators reach the check (415), nothing is stored.
  'POST /api/v1/agencies/{code}/seal': allow(ADMINS, 415, { body: () => ({ pngBase64: 'bm90IGEgcG5n' }) }),
  'GET /api/v1/agencies/{code}/seal': allow([...TP_STAFF, 'province_admin'], 404),
  'DELETE /api/v1/agencies/{code}/seal': allow(ADMINS, 404),
  'POST /api/v1/users/{username}/signature-image': allow(ADMINS, 404, {
    body: () => ({ pngBase64: 'bm90IGEgcG5n' }),
  }),
  'GET /api/v1/users/{username}/signature-image': e(404),
  'DELETE /api/v1/users/{username}/signature-image': allow(ADMINS, 404),
};

const expected = (entry: Entry, who: Who): number =>
  who === 'anon' ? (entry.anon ?? 401) : (entry.only?.[who] ?? entry.signedIn);

let h: Harness;
let draftId: string;
const INCOMING_ID = 'matrix-incoming';
let serial: string;
const tokens = new Map<Who, string>();

beforeAll(async () => {
  h = await startHarness({ pki: true });
  const certificates = await h.deps.pki.listCertificates({ agency: TP, status: 'active' });
  serial = certificates.find((c) => c.profile === 'organisation')!.serialHex;
  pdfBase64 = Buffer.from(await makePdf('Ma tran')).toString('base64');
  draftId = await createDraft(api(h), 'Ma trận quyền', [PROVINCE]);
  // A copy in Tân Phú's inbox (the read model only: no step on it must succeed, and none is attempted by its staff).
  const now = new Date().toISOString();
  await h.deps.db!.collection(ExchangeCollections.incoming).insertOne({
    _id: `${TP}:${INCOMING_ID}` as never,
    agency: TP,
    id: INCOMING_ID,
    workflowId: `incoming-${INCOMING_ID}`,
    state: 'RECEIVED',
    statusCode: '01',
    from: { code: PROVINCE, name: 'Ủy ban nhân dân tỉnh Hòa An' },
    subject: 'Văn bản đến',
    type: 'CV',
    number: 1,
    notation: 'CV-UBND',
    edxmlDocumentId: 'matrix-edxml',
    receivedAt: now,
    updatedAt: now,
    version: 1,
    history: [],
  });
  for (const who of PRINCIPALS) if (who !== 'anon') tokens.set(who, await h.login(USERNAMES[who]));
}, 180_000);

afterAll(async () => {
  await h?.close();
});

/** A well-formed id that names no certificate request or personnel change. */
const NIL_ID = '00000000-0000-4000-8000-000000000000';

function urlFor(path: string, entry: Entry, who: Who): string {
  const real = path.startsWith('/api/v1/inbox/') ? INCOMING_ID : draftId;
  const id = entry.real || who === 'otherAgency' ? real : 'no-such-id';
  const filled = path
    .replace('{id}', /^\/api\/v1\/pki\/(requests|personnel-changes)\//.test(path) ? NIL_ID : id)
    .replace('{name}', 'no-such-flow')
    .replace('{serial}', entry.real ? serial : 'ABCDEF0123')
    .replace('{code}', path.startsWith('/api/v1/admin/agencies/') ? NO_AGENCY : TP)
    .replace('{username}', 'no-such-user')
    .replace('{file}', path.startsWith('/pki/crl/') ? 'issuing.crl' : 'issuing.cer');
  return entry.query ? `${filled}?${entry.query}` : filled;
}

describe('the role × route × agency matrix', () => {
  it('declares every route of /openapi.json, and every declared route exists', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(routes.filter((r) => !(r in MATRIX))).toEqual([]);
    expect(Object.keys(MATRIX).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it('answers every route × principal with the declared status', async () => {
    const mismatches: string[] = [];
    let calls = 0;
    for (const [route, entry] of Object.entries(MATRIX)) {
      const [method, path] = route.split(' ') as ['GET' | 'POST' | 'PUT' | 'PATCH', string];
      for (const who of PRINCIPALS) {
        const token = tokens.get(who);
        const res = await h.app.inject({
          method,
          url: urlFor(path, entry, who),
          headers: token ? { authorization: `Bearer ${token}` } : {},
          ...(entry.body ? { payload: entry.body() as object } : {}),
        });
        calls++;
        // Everything under /api/ (JSON, document files, problems) is never cached and never sniffed.
        if (path.startsWith('/api/') && res.headers['cache-control'] !== 'no-store')
          mismatches.push(`${route} as ${who}: cache-control ${String(res.headers['cache-control'])}`);
        if (res.headers['x-content-type-options'] !== 'nosniff')
          mismatches.push(`${route} as ${who}: no nosniff`);
        if (res.statusCode !== expected(entry, who))
          mismatches.push(
            `${route} as ${who}: ${res.statusCode} (want ${expected(entry, who)}) ${res.body.slice(0, 160)}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
    expect(calls).toBe(Object.keys(MATRIX).length * PRINCIPALS.length);
  }, 300_000);
});
