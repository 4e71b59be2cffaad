import { Collections } from '../../schemas/constants';
import { demoUsername } from '../../store/demo-province';
import { IdentityStore } from '../../store/identity-store';
import { startHarness, type Harness } from './helpers/harness';

// Issue 12, findings 1 and 2 against the real store: a closed account's token dies at once, and only the province
// administrator closes administrators and leadership.
const PROVINCE = '000.00.00.H29';
const TP = '000.01.01.H29';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const get = (token: string, url: string) =>
  h.app.inject({ method: 'GET', url: `/api/v1${url}`, headers: { authorization: `Bearer ${token}` } });
const personnelChange = (token: string, payload: object) =>
  h.app.inject({
    method: 'POST',
    url: '/api/v1/pki/personnel-changes',
    headers: { authorization: `Bearer ${token}` },
    payload,
  });

describe('closed accounts and revoked tokens', () => {
  it('refuses a leaver’s token on every route as soon as the personnel change is recorded', async () => {
    const leaver = demoUsername('signer', TP);
    const token = await h.login(leaver);
    for (const url of ['/documents', '/inbox', '/audit', '/kpi/summary'])
      expect((await get(token, url)).statusCode).toBe(200);

    const admin = await h.login(demoUsername('agency_admin', TP));
    const change = await personnelChange(admin, { leaver });
    expect(change.statusCode).toBe(201);

    for (const url of ['/documents', '/inbox', '/audit', '/kpi/summary', '/me']) {
      const res = await get(token, url);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('UNAUTHENTICATED');
    }
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/documents',
      headers: { authorization: `Bearer ${token}` },
      payload: {},
    });
    expect(created.statusCode).toBe(401);
    const stored = await h.deps.db!.collection(Collections.users).findOne({ _id: leaver as never });
    expect(stored).toMatchObject({ active: false, tokenVersion: 1 });
  }, 60_000);

  it('refuses tokens issued before bumpTokenVersion, through any IdentityStore of the process, and accepts new ones', async () => {
    const username = demoUsername('clerk', TP);
    const old = await h.login(username);
    expect((await get(old, '/me')).statusCode).toBe(200);
    // Another instance (an admin route builds its own), same process: the cached account is dropped at once.
    expect(await new IdentityStore(h.deps.db!).bumpTokenVersion(username)).toBe(1);
    expect((await get(old, '/me')).statusCode).toBe(401);
    const fresh = await h.login(username);
    expect((await get(fresh, '/me')).statusCode).toBe(200);
    expect(await h.deps.identity.bumpTokenVersion('no-such-user')).toBeNull();
  }, 60_000);
});

describe('who may close whom', () => {
  it('lets only the province administrator close the leadership', async () => {
    const leadership = demoUsername('leadership', PROVINCE);
    const provinceAgencyAdmin = await h.login(demoUsername('agency_admin', PROVINCE));
    const refused = await personnelChange(provinceAgencyAdmin, { leaver: leadership });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('FORBIDDEN');
    expect((await h.deps.identity.getUser(leadership))!.active).toBe(true);

    const admin = await h.login('admin');
    expect((await personnelChange(admin, { leaver: leadership })).statusCode).toBe(201);
    expect((await h.deps.identity.getUser(leadership))!.active).toBe(false);
  }, 60_000);

  it('refuses an agency administrator another agency’s ordinary user and another administrator', async () => {
    const tpAdmin = await h.login(demoUsername('agency_admin', TP));
    for (const leaver of [
      demoUsername('drafter', PROVINCE),
      demoUsername('agency_admin', PROVINCE),
      'admin',
    ]) {
      const res = await personnelChange(tpAdmin, { leaver });
      expect(res.statusCode).toBe(403);
      expect((await h.deps.identity.getUser(leaver))!.active).toBe(true);
    }
  }, 60_000);
});
