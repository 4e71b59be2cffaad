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

const personnelChange = (token: string, payload: object) =>
  h.api(token).post('/pki/personnel-changes', payload);

describe('closed accounts and revoked tokens', () => {
  it('refuses a leaver’s token on every route as soon as the personnel change is recorded', async () => {
    const leaver = demoUsername('signer', TP);
    const token = await h.login(leaver);
    for (const url of ['/documents', '/inbox', '/audit', '/kpi/summary'])
      expect((await h.api(token).get(url)).status).toBe(200);

    const admin = await h.loginAs('agency_admin', TP);
    const change = await personnelChange(admin, { leaver });
    expect(change.status).toBe(201);

    for (const url of ['/documents', '/inbox', '/audit', '/kpi/summary', '/me']) {
      const res = await h.api(token).get(url);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHENTICATED');
    }
    const created = await h.api(token).post('/documents', {});
    expect(created.status).toBe(401);
    const stored = await h.deps.db!.collection(Collections.users).findOne({ _id: leaver as never });
    expect(stored).toMatchObject({ active: false, tokenVersion: 1 });
  }, 60_000);

  it('refuses tokens issued before bumpTokenVersion, through any IdentityStore of the process, and accepts new ones', async () => {
    const username = demoUsername('clerk', TP);
    const old = await h.login(username);
    expect((await h.api(old).get('/me')).status).toBe(200);
    // Another instance (an admin route builds its own), same process: the cached account is dropped at once.
    expect(await new IdentityStore(h.deps.db!).bumpTokenVersion(username)).toBe(1);
    expect((await h.api(old).get('/me')).status).toBe(401);
    const fresh = await h.login(username);
    expect((await h.api(fresh).get('/me')).status).toBe(200);
    expect(await h.deps.identity.bumpTokenVersion('no-such-user')).toBeNull();
  }, 60_000);
});

describe('who may close whom', () => {
  it('lets only the province administrator close the leadership', async () => {
    const leadership = demoUsername('leadership', PROVINCE);
    const provinceAgencyAdmin = await h.loginAs('agency_admin', PROVINCE);
    const refused = await personnelChange(provinceAgencyAdmin, { leaver: leadership });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    expect((await h.deps.identity.getUser(leadership))!.active).toBe(true);

    const admin = await h.loginAs('admin');
    expect((await personnelChange(admin, { leaver: leadership })).status).toBe(201);
    expect((await h.deps.identity.getUser(leadership))!.active).toBe(false);
  }, 60_000);

  it('refuses an agency administrator another agency’s ordinary user and another administrator', async () => {
    const tpAdmin = await h.loginAs('agency_admin', TP);
    for (const leaver of [
      demoUsername('drafter', PROVINCE),
      demoUsername('agency_admin', PROVINCE),
      'admin',
    ]) {
      const res = await personnelChange(tpAdmin, { leaver });
      expect(res.status).toBe(403);
      expect((await h.deps.identity.getUser(leaver))!.active).toBe(true);
    }
  }, 60_000);
});
