import { Collections } from '../../schemas/constants';
import { demoUsername } from '../../store/demo-province';
import { makePdf } from './exchange/support';
import { startHarness, type Harness } from './helpers/harness';

const PROVINCE = '000.00.00.H29';
const COMMUNE = '000.01.01.H29';
const OTHER_COMMUNE = '000.01.02.H29';
let h: Harness;
let admin: string;
let communeAdmin: string;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.loginAs('admin');
  communeAdmin = await h.loginAs('agency_admin', COMMUNE);
}, 90_000);

afterAll(async () => {
  await h?.close();
});

/** A login attempt with a given password, answered as is (the tests check refusals too). */
const login = (username: string, password: string) =>
  h.api(undefined).post('/auth/login', { username, password });
const tokenVersion = async (username: string) =>
  ((await h.deps.db!.collection(Collections.users).findOne({ _id: username as never }))?.tokenVersion as
    number | undefined) ?? 0;
const auditTypes = async (agency: string) =>
  (await h.deps.audit.list({ agency })).map((e) => `${e.type}:${String(e.details.username ?? '')}`);

describe('user administration', () => {
  it('creates a user who must change the initial password before anything else', async () => {
    const created = await h.api(admin).post('/admin/users', {
      username: 'nguyen.thi.hoa',
      fullName: 'Nguyễn Thị Hoa',
      title: 'Chuyên viên',
      agency: COMMUNE,
      roles: ['drafter'],
    });
    expect(created.status).toBe(201);
    const temporary = created.body.temporaryPassword as string;
    expect(temporary).toHaveLength(16);
    expect(created.body.user).toMatchObject({
      agency: COMMUNE,
      active: true,
      passwordChangeRequired: true,
    });

    const first = await login('nguyen.thi.hoa', temporary);
    expect(first.status).toBe(200);
    expect(first.body.passwordChangeRequired).toBe(true);
    const limited = first.body.token as string;
    const refused = await h.api(limited).get('/me');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await h.api(limited).get('/documents')).status).toBe(403);

    const wrong = await h.api(limited).post('/auth/password', {
      currentPassword: 'not-the-password',
      newPassword: 'Mật khẩu mới 2026',
    });
    expect(wrong.status).toBe(401);
    const changed = await h.api(limited).post('/auth/password', {
      currentPassword: temporary,
      newPassword: 'Mật khẩu mới 2026',
    });
    expect(changed.status).toBe(200);
    expect(changed.body.passwordChangeRequired).toBe(false);
    expect((await h.api(changed.body.token).get('/me')).status).toBe(200);
    expect((await login('nguyen.thi.hoa', temporary)).status).toBe(401);
    expect((await login('nguyen.thi.hoa', 'Mật khẩu mới 2026')).body.passwordChangeRequired).toBe(false);
    expect(await auditTypes(COMMUNE)).toEqual(
      expect.arrayContaining(['admin.user_created:nguyen.thi.hoa', 'auth.password_changed:nguyen.thi.hoa']),
    );
  }, 30_000);

  it('answers 400 naming the field for a bad body, 409 for a taken username, 404 for an unknown one', async () => {
    const bad = await h.api(admin).post('/admin/users', {
      username: 'tran.van.b',
      fullName: 'Trần Văn B',
      agency: COMMUNE,
      roles: ['boss'],
    });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(bad.body.errors.map((e: { path: string }) => e.path).join(' ')).toMatch(/body\.roles/);
    const extra = await h.api(admin).patch(`/admin/users/${demoUsername('drafter', COMMUNE)}`, {
      active: false,
    });
    expect(extra.status).toBe(400);
    const taken = await h.api(admin).post('/admin/users', {
      username: demoUsername('drafter', COMMUNE),
      fullName: 'Trùng tên',
      agency: COMMUNE,
      roles: ['drafter'],
      password: 'mot-mat-khau-dai',
    });
    expect(taken.status).toBe(409);
    expect((await h.api(admin).post('/admin/users/khong.co/deactivate', {})).status).toBe(404);
    const unknownAgency = await h.api(admin).post('/admin/users', {
      username: 'le.van.c',
      fullName: 'Lê Văn C',
      agency: '000.09.09.H29',
      roles: ['drafter'],
    });
    expect(unknownAgency.status).toBe(422);
  });

  it('keeps an agency administrator to the ordinary users of its own agency', async () => {
    const foreign = await h.api(communeAdmin).post('/admin/users', {
      username: 'pham.van.d',
      fullName: 'Phạm Văn D',
      agency: OTHER_COMMUNE,
      roles: ['drafter'],
    });
    expect(foreign.status).toBe(403);
    const higher = await h.api(communeAdmin).post('/admin/users', {
      username: 'pham.van.d',
      fullName: 'Phạm Văn D',
      agency: COMMUNE,
      roles: ['agency_admin'],
    });
    expect(higher.status).toBe(403);
    const otherAgencyUser = demoUsername('drafter', OTHER_COMMUNE);
    expect((await h.api(communeAdmin).post(`/admin/users/${otherAgencyUser}/deactivate`, {})).status).toBe(
      404,
    );
    expect((await h.api(communeAdmin).post('/admin/users/admin/reset-password', {})).status).toBe(404);
    const deputy = await h.api(admin).post('/admin/users', {
      username: 'vo.thi.e',
      fullName: 'Võ Thị E',
      agency: COMMUNE,
      roles: ['approver', 'agency_admin'],
      password: 'mot-mat-khau-dai',
    });
    expect(deputy.status).toBe(201);
    expect((await h.api(communeAdmin).patch('/admin/users/vo.thi.e', { roles: ['drafter'] })).status).toBe(
      403,
    );
    expect((await h.api(communeAdmin).post('/admin/users/vo.thi.e/deactivate', {})).status).toBe(403);
    const clerk = demoUsername('clerk', COMMUNE);
    const moved = await h.api(communeAdmin).patch(`/admin/users/${clerk}`, {
      agency: OTHER_COMMUNE,
    });
    expect(moved.status).toBe(403);
    const listed = await h.api(communeAdmin).get(`/admin/users?agency=${OTHER_COMMUNE}`);
    expect(listed.status).toBe(403);
    const own = await h.api(communeAdmin).get('/admin/users');
    expect(new Set(own.body.items.map((u: { agency: string }) => u.agency))).toEqual(new Set([COMMUNE]));
    expect((await h.api(communeAdmin).get('/admin/agencies')).status).toBe(403);
  });

  it('deactivates and reactivates an account, ending its sessions each time', async () => {
    const clerk = demoUsername('clerk', COMMUNE);
    const before = await tokenVersion(clerk);
    const closed = await h.api(communeAdmin).post(`/admin/users/${clerk}/deactivate`, {
      reason: 'Nghỉ hưu',
    });
    expect(closed.status).toBe(200);
    expect(closed.body.active).toBe(false);
    expect(await tokenVersion(clerk)).toBe(before + 1);
    expect((await login(clerk, 'demo')).status).toBe(401);
    expect((await h.api(communeAdmin).post(`/admin/users/${clerk}/deactivate`, {})).status).toBe(409);

    const reopened = await h.api(communeAdmin).post(`/admin/users/${clerk}/reactivate`, {});
    expect(reopened.status).toBe(200);
    expect(await tokenVersion(clerk)).toBe(before + 2);
    expect((await login(clerk, 'demo')).status).toBe(200);
    expect(await auditTypes(COMMUNE)).toEqual(
      expect.arrayContaining([`admin.user_deactivated:${clerk}`, `admin.user_reactivated:${clerk}`]),
    );
  }, 30_000);

  it('bumps the token generation on a role change and a password reset, and forces a new password', async () => {
    const drafter = demoUsername('drafter', COMMUNE);
    const before = await tokenVersion(drafter);
    const changed = await h.api(communeAdmin).patch(`/admin/users/${drafter}`, {
      roles: ['drafter', 'clerk'],
      title: 'Chuyên viên văn thư',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ roles: ['drafter', 'clerk'], title: 'Chuyên viên văn thư' });
    expect(await tokenVersion(drafter)).toBe(before + 1);

    const reset = await h.api(communeAdmin).post(`/admin/users/${drafter}/reset-password`, {});
    expect(reset.status).toBe(200);
    expect(await tokenVersion(drafter)).toBe(before + 2);
    expect((await login(drafter, 'demo')).status).toBe(401);
    const next = await login(drafter, reset.body.temporaryPassword);
    expect(next.body.passwordChangeRequired).toBe(true);
    expect(await auditTypes(COMMUNE)).toEqual(
      expect.arrayContaining([`admin.user_updated:${drafter}`, `admin.password_reset:${drafter}`]),
    );
    const restored = await h.api(next.body.token).post('/auth/password', {
      currentPassword: reset.body.temporaryPassword,
      newPassword: 'demo-mat-khau-moi',
    });
    expect(restored.status).toBe(200);
  }, 30_000);

  it('refuses to close its own account or the last province administrator', async () => {
    expect((await h.api(admin).post('/admin/users/admin/deactivate', {})).status).toBe(409);
    const demoted = await h.api(admin).patch('/admin/users/admin', { roles: ['leadership'] });
    expect(demoted.status).toBe(409);
    expect(demoted.body.detail).toMatch(/last active province administrator/);
  });
});

describe('flows name only people who can act (finding 10)', () => {
  const signer = demoUsername('signer', COMMUNE);
  const definition = (users: string[], quorum = 1) => ({
    name: 'cong-van-kiem-tra-nguoi-duyet',
    title: 'Công văn: người duyệt được chỉ định',
    scope: { agency: COMMUNE },
    documentTypes: ['Công văn'],
    stages: [
      { id: 'duyet', name: 'Duyệt', approvers: { users }, mode: { quorum } },
      { id: 'ky', name: 'Ký', approvers: { roles: ['signer'] } },
    ],
  });

  it('refuses a flow naming an unknown user and another agency’s approver with 422 naming the fields', async () => {
    const res = await h
      .api(communeAdmin)
      .post('/admin/flows', definition(['khong.ton.tai', demoUsername('approver', OTHER_COMMUNE)], 2));
    expect(res.status).toBe(422);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['stages.0.approvers.users.0', 'stages.0.approvers.users.1']),
    );
  });

  it('refuses to close the last possible approver of an active flow until the flow changes', async () => {
    const approver = demoUsername('approver', COMMUNE);
    const saved = await h.api(communeAdmin).post('/admin/flows', definition([approver]));
    expect(saved.status).toBe(201);
    const named = await h.api(communeAdmin).post(`/admin/users/${approver}/deactivate`, {});
    expect(named.status).toBe(409);
    expect(named.body).toMatchObject({ flow: 'cong-van-kiem-tra-nguoi-duyet' });
    expect(named.body.detail).toMatch(/cong-van-kiem-tra-nguoi-duyet/);
    const lastSigner = await h.api(communeAdmin).post(`/admin/users/${signer}/deactivate`, {});
    expect(lastSigner.status).toBe(409);
    const demoted = await h.api(communeAdmin).patch(`/admin/users/${signer}`, {
      roles: ['approver'],
    });
    expect(demoted.status).toBe(409);

    // Once a new version without the named approver is active, the account can close.
    const v2 = await h.api(communeAdmin).post('/admin/flows', {
      ...definition([]),
      stages: [
        { id: 'duyet', name: 'Duyệt', approvers: { roles: ['approver', 'signer'] } },
        { id: 'ky', name: 'Ký', approvers: { roles: ['signer'] } },
      ],
    });
    expect(v2.status).toBe(201);
    expect(
      (
        await h.api(communeAdmin).post('/admin/flows/cong-van-kiem-tra-nguoi-duyet/activate', {
          version: v2.body.version,
        })
      ).status,
    ).toBe(200);
    expect((await h.api(communeAdmin).post(`/admin/users/${approver}/deactivate`, {})).status).toBe(200);

    // Activating version 1 again is checked again: its named approver has left.
    const back = await h.api(communeAdmin).post('/admin/flows/cong-van-kiem-tra-nguoi-duyet/activate', {
      version: 1,
    });
    expect(back.status).toBe(422);
    expect(back.body.errors[0].path).toBe('stages.0.approvers.users.0');
    await h.api(communeAdmin).post(`/admin/users/${approver}/reactivate`, {});
  }, 30_000);

  it('keeps an agency administrator’s simulation within its agency (finding 8)', async () => {
    const res = await h.api(communeAdmin).post('/admin/flows/cong-van-kiem-tra-nguoi-duyet/simulate', {
      definition: definition([demoUsername('approver', COMMUNE)]),
      samples: [{ agency: OTHER_COMMUNE, type: 'CV', priority: 0, recipientLevels: [] }],
    });
    expect(res.status).toBe(403);
    expect(res.raw.toString()).not.toContain(demoUsername('signer', OTHER_COMMUNE));
    const own = await h.api(communeAdmin).post('/admin/flows/cong-van-kiem-tra-nguoi-duyet/simulate', {
      definition: definition([demoUsername('approver', COMMUNE)]),
      samples: [{ agency: COMMUNE, type: 'CV', priority: 0, recipientLevels: [] }],
    });
    expect(own.status).toBe(200);
    expect(own.body.results[0].draft.stages[1].approvers).toEqual([signer]);
  });
});

describe('agency registry', () => {
  const NEW_COMMUNE = '000.01.20.H29';

  it('creates, renames and refuses what it cannot do', async () => {
    const created = await h.api(admin).post('/admin/agencies', {
      code: NEW_COMMUNE,
      name: 'Ủy ban nhân dân xã Tân Phú Lộc',
      level: 'commune',
      parent: PROVINCE,
      place: 'Tân Phú Lộc',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ code: NEW_COMMUNE, active: true });
    expect(
      (
        await h.api(admin).post('/admin/agencies', {
          code: NEW_COMMUNE,
          name: 'Trùng mã',
          level: 'commune',
          parent: PROVINCE,
        })
      ).status,
    ).toBe(409);
    const badCode = await h.api(admin).post('/admin/agencies', {
      code: 'xa-moi',
      name: 'Sai mã',
      level: 'commune',
      parent: PROVINCE,
    });
    expect(badCode.status).toBe(400);
    expect(badCode.body.errors[0].path).toBe('body.code');
    const noParent = await h.api(admin).post('/admin/agencies', {
      code: '000.01.21.H29',
      name: 'Cấp trên không có',
      level: 'commune',
      parent: '000.09.09.H29',
    });
    expect(noParent.status).toBe(422);
    expect(
      (
        await h.api(communeAdmin).post('/admin/agencies', {
          code: '000.01.22.H29',
          name: 'Xã do quản trị cơ quan tạo',
          level: 'commune',
          parent: PROVINCE,
        })
      ).status,
    ).toBe(403);

    const renamed = await h.api(admin).patch(`/admin/agencies/${NEW_COMMUNE}`, {
      name: 'Ủy ban nhân dân xã Tân Phú Mới',
      shortName: 'UBND xã Tân Phú Mới',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Ủy ban nhân dân xã Tân Phú Mới');
    expect((await h.api(admin).patch('/admin/agencies/000.09.09.H29', { name: 'X' })).status).toBe(404);
    expect(await auditTypes(NEW_COMMUNE)).toEqual(
      expect.arrayContaining(['admin.agency_created:', 'admin.agency_updated:']),
    );
  });

  it('merges an agency into a successor: its users move and its documents stay readable there', async () => {
    const drafter = demoUsername('drafter', OTHER_COMMUNE);
    const draft = await h.api(await h.login(drafter)).post('/documents', {
      type: 'CV',
      subject: 'Công văn trước sáp nhập',
      recipients: [PROVINCE],
      priority: 0,
      fileName: 'cong-van.pdf',
      pdfBase64: Buffer.from(await makePdf('Cong van truoc sap nhap')).toString('base64'),
    });
    expect(draft.status).toBe(201);
    const id = draft.body.id as string;
    const before = await tokenVersion(drafter);

    const merged = await h.api(admin).post(`/admin/agencies/${OTHER_COMMUNE}/merge-into`, {
      successor: NEW_COMMUNE,
      reason: 'Sắp xếp đơn vị hành chính cấp xã năm 2025',
    });
    expect(merged.status).toBe(200);
    expect(merged.body.agency).toMatchObject({
      code: OTHER_COMMUNE,
      active: false,
      successor: NEW_COMMUNE,
    });
    expect(merged.body.movedUsers).toContain(drafter);
    expect(await tokenVersion(drafter)).toBe(before + 1);

    const token = await h.login(drafter);
    expect((await h.api(token).get('/me')).body.agency).toBe(NEW_COMMUNE);
    const list = await h.api(token).get('/documents');
    expect(list.body.items.map((d: { id: string }) => d.id)).toContain(id);
    expect((await h.api(token).get(`/documents/${id}`)).status).toBe(200);
    expect((await h.api(token).get(`/documents/${id}/file`)).status).toBe(200);
    // Another agency still cannot see it.
    expect((await h.api(communeAdmin).get(`/documents/${id}`)).status).toBe(404);
    // KPIs and paper registers of the merged agency read under the successor, and nowhere else.
    expect((await h.api(token).get(`/kpi/summary?agency=${OTHER_COMMUNE}`)).status).toBe(200);
    expect((await h.api(token).get(`/kpi/agencies/${OTHER_COMMUNE}`)).status).toBe(200);
    expect((await h.api(token).get(`/paper-documents?agency=${OTHER_COMMUNE}`)).status).toBe(200);
    expect((await h.api(communeAdmin).get(`/kpi/summary?agency=${OTHER_COMMUNE}`)).status).toBe(403);
    expect((await h.api(communeAdmin).get(`/paper-documents?agency=${OTHER_COMMUNE}`)).status).toBe(403);

    // Run twice, one effect; a different successor is a conflict.
    const merges = async () =>
      (await h.deps.audit.list({ agency: NEW_COMMUNE })).filter((e) => e.type === 'admin.agency_merged')
        .length;
    const mergedEvents = await merges();
    const again = await h.api(admin).post(`/admin/agencies/${OTHER_COMMUNE}/merge-into`, {
      successor: NEW_COMMUNE,
    });
    expect(again.status).toBe(200);
    expect(again.body.movedUsers).toEqual([]);
    expect(await merges()).toBe(mergedEvents);
    expect(
      (
        await h.api(admin).post(`/admin/agencies/${OTHER_COMMUNE}/merge-into`, {
          successor: PROVINCE,
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await h.api(admin).post('/admin/users', {
          username: 'nguoi.moi',
          fullName: 'Người Mới',
          agency: OTHER_COMMUNE,
          roles: ['drafter'],
        })
      ).status,
    ).toBe(409);
    expect((await h.api(admin).post(`/admin/agencies/${NEW_COMMUNE}/retire`, {})).status).toBe(409);
    expect(await auditTypes(NEW_COMMUNE)).toEqual(expect.arrayContaining(['admin.agency_merged:']));
  }, 60_000);

  it('retires an agency once nobody works there', async () => {
    const empty = await h.api(admin).post('/admin/agencies', {
      code: '000.01.30.H29',
      name: 'Ban quản lý dự án tạm thời',
      level: 'department',
      parent: PROVINCE,
    });
    expect(empty.status).toBe(201);
    const retired = await h.api(admin).post('/admin/agencies/000.01.30.H29/retire', {
      reason: 'Giải thể',
    });
    expect(retired.status).toBe(200);
    expect(retired.body.agency).toMatchObject({ active: false });
    expect(retired.body.agency.successor).toBeUndefined();
  });
});

describe('openapi', () => {
  it('declares the administration bodies', async () => {
    const spec = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    for (const path of [
      '/api/v1/admin/users',
      '/api/v1/admin/users/{username}',
      '/api/v1/admin/agencies/{code}/merge-into',
      '/api/v1/auth/password',
    ]) {
      expect(spec.paths[path]).toBeDefined();
    }
    expect(spec.paths['/api/v1/admin/users'].post.requestBody).toBeDefined();
  });
});
