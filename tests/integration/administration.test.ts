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
  admin = await h.login('admin');
  communeAdmin = await h.login(demoUsername('agency_admin', COMMUNE));
}, 90_000);

afterAll(async () => {
  await h?.close();
});

type Method = 'GET' | 'POST' | 'PATCH';
const call = (token: string, method: Method, url: string, payload?: unknown) =>
  h.app.inject({ method, url, payload: payload as object, headers: { authorization: `Bearer ${token}` } });
const login = (username: string, password: string) =>
  h.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
const tokenVersion = async (username: string) =>
  ((await h.deps.db!.collection(Collections.users).findOne({ _id: username as never }))?.tokenVersion as
    number | undefined) ?? 0;
const auditTypes = async (agency: string) =>
  (await h.deps.audit.list({ agency })).map((e) => `${e.type}:${String(e.details.username ?? '')}`);

describe('user administration', () => {
  it('creates a user who must change the initial password before anything else', async () => {
    const created = await call(admin, 'POST', '/api/v1/admin/users', {
      username: 'nguyen.thi.hoa',
      fullName: 'Nguyễn Thị Hoa',
      title: 'Chuyên viên',
      agency: COMMUNE,
      roles: ['drafter'],
    });
    expect(created.statusCode).toBe(201);
    const temporary = created.json().temporaryPassword as string;
    expect(temporary).toHaveLength(16);
    expect(created.json().user).toMatchObject({
      agency: COMMUNE,
      active: true,
      passwordChangeRequired: true,
    });

    const first = await login('nguyen.thi.hoa', temporary);
    expect(first.statusCode).toBe(200);
    expect(first.json().passwordChangeRequired).toBe(true);
    const limited = first.json().token as string;
    const refused = await call(limited, 'GET', '/api/v1/me');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await call(limited, 'GET', '/api/v1/documents')).statusCode).toBe(403);

    const wrong = await call(limited, 'POST', '/api/v1/auth/password', {
      currentPassword: 'not-the-password',
      newPassword: 'Mật khẩu mới 2026',
    });
    expect(wrong.statusCode).toBe(401);
    const changed = await call(limited, 'POST', '/api/v1/auth/password', {
      currentPassword: temporary,
      newPassword: 'Mật khẩu mới 2026',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json().passwordChangeRequired).toBe(false);
    expect((await call(changed.json().token, 'GET', '/api/v1/me')).statusCode).toBe(200);
    expect((await login('nguyen.thi.hoa', temporary)).statusCode).toBe(401);
    expect((await login('nguyen.thi.hoa', 'Mật khẩu mới 2026')).json().passwordChangeRequired).toBe(false);
    expect(await auditTypes(COMMUNE)).toEqual(
      expect.arrayContaining(['admin.user_created:nguyen.thi.hoa', 'auth.password_changed:nguyen.thi.hoa']),
    );
  }, 30_000);

  it('answers 400 naming the field for a bad body, 409 for a taken username, 404 for an unknown one', async () => {
    const bad = await call(admin, 'POST', '/api/v1/admin/users', {
      username: 'tran.van.b',
      fullName: 'Trần Văn B',
      agency: COMMUNE,
      roles: ['boss'],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.headers['content-type']).toMatch(/problem\+json/);
    expect(
      bad
        .json()
        .errors.map((e: { path: string }) => e.path)
        .join(' '),
    ).toMatch(/body\.roles/);
    const extra = await call(admin, 'PATCH', `/api/v1/admin/users/${demoUsername('drafter', COMMUNE)}`, {
      active: false,
    });
    expect(extra.statusCode).toBe(400);
    const taken = await call(admin, 'POST', '/api/v1/admin/users', {
      username: demoUsername('drafter', COMMUNE),
      fullName: 'Trùng tên',
      agency: COMMUNE,
      roles: ['drafter'],
      password: 'mot-mat-khau-dai',
    });
    expect(taken.statusCode).toBe(409);
    expect((await call(admin, 'POST', '/api/v1/admin/users/khong.co/deactivate', {})).statusCode).toBe(404);
    const unknownAgency = await call(admin, 'POST', '/api/v1/admin/users', {
      username: 'le.van.c',
      fullName: 'Lê Văn C',
      agency: '000.09.09.H29',
      roles: ['drafter'],
    });
    expect(unknownAgency.statusCode).toBe(422);
  });

  it('keeps an agency administrator to the ordinary users of its own agency', async () => {
    const foreign = await call(communeAdmin, 'POST', '/api/v1/admin/users', {
      username: 'pham.van.d',
      fullName: 'Phạm Văn D',
      agency: OTHER_COMMUNE,
      roles: ['drafter'],
    });
    expect(foreign.statusCode).toBe(403);
    const higher = await call(communeAdmin, 'POST', '/api/v1/admin/users', {
      username: 'pham.van.d',
      fullName: 'Phạm Văn D',
      agency: COMMUNE,
      roles: ['agency_admin'],
    });
    expect(higher.statusCode).toBe(403);
    const otherAgencyUser = demoUsername('drafter', OTHER_COMMUNE);
    expect(
      (await call(communeAdmin, 'POST', `/api/v1/admin/users/${otherAgencyUser}/deactivate`, {})).statusCode,
    ).toBe(404);
    expect(
      (await call(communeAdmin, 'POST', '/api/v1/admin/users/admin/reset-password', {})).statusCode,
    ).toBe(404);
    const deputy = await call(admin, 'POST', '/api/v1/admin/users', {
      username: 'vo.thi.e',
      fullName: 'Võ Thị E',
      agency: COMMUNE,
      roles: ['approver', 'agency_admin'],
      password: 'mot-mat-khau-dai',
    });
    expect(deputy.statusCode).toBe(201);
    expect(
      (await call(communeAdmin, 'PATCH', '/api/v1/admin/users/vo.thi.e', { roles: ['drafter'] })).statusCode,
    ).toBe(403);
    expect((await call(communeAdmin, 'POST', '/api/v1/admin/users/vo.thi.e/deactivate', {})).statusCode).toBe(
      403,
    );
    const clerk = demoUsername('clerk', COMMUNE);
    const moved = await call(communeAdmin, 'PATCH', `/api/v1/admin/users/${clerk}`, {
      agency: OTHER_COMMUNE,
    });
    expect(moved.statusCode).toBe(403);
    const listed = await call(communeAdmin, 'GET', `/api/v1/admin/users?agency=${OTHER_COMMUNE}`);
    expect(listed.statusCode).toBe(403);
    const own = await call(communeAdmin, 'GET', '/api/v1/admin/users');
    expect(new Set(own.json().items.map((u: { agency: string }) => u.agency))).toEqual(new Set([COMMUNE]));
    expect((await call(communeAdmin, 'GET', '/api/v1/admin/agencies')).statusCode).toBe(403);
  });

  it('deactivates and reactivates an account, ending its sessions each time', async () => {
    const clerk = demoUsername('clerk', COMMUNE);
    const before = await tokenVersion(clerk);
    const closed = await call(communeAdmin, 'POST', `/api/v1/admin/users/${clerk}/deactivate`, {
      reason: 'Nghỉ hưu',
    });
    expect(closed.statusCode).toBe(200);
    expect(closed.json().active).toBe(false);
    expect(await tokenVersion(clerk)).toBe(before + 1);
    expect((await login(clerk, 'demo')).statusCode).toBe(401);
    expect((await call(communeAdmin, 'POST', `/api/v1/admin/users/${clerk}/deactivate`, {})).statusCode).toBe(
      409,
    );

    const reopened = await call(communeAdmin, 'POST', `/api/v1/admin/users/${clerk}/reactivate`, {});
    expect(reopened.statusCode).toBe(200);
    expect(await tokenVersion(clerk)).toBe(before + 2);
    expect((await login(clerk, 'demo')).statusCode).toBe(200);
    expect(await auditTypes(COMMUNE)).toEqual(
      expect.arrayContaining([`admin.user_deactivated:${clerk}`, `admin.user_reactivated:${clerk}`]),
    );
  }, 30_000);

  it('bumps the token generation on a role change and a password reset, and forces a new password', async () => {
    const drafter = demoUsername('drafter', COMMUNE);
    const before = await tokenVersion(drafter);
    const changed = await call(communeAdmin, 'PATCH', `/api/v1/admin/users/${drafter}`, {
      roles: ['drafter', 'clerk'],
      title: 'Chuyên viên văn thư',
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ roles: ['drafter', 'clerk'], title: 'Chuyên viên văn thư' });
    expect(await tokenVersion(drafter)).toBe(before + 1);

    const reset = await call(communeAdmin, 'POST', `/api/v1/admin/users/${drafter}/reset-password`, {});
    expect(reset.statusCode).toBe(200);
    expect(await tokenVersion(drafter)).toBe(before + 2);
    expect((await login(drafter, 'demo')).statusCode).toBe(401);
    const next = await login(drafter, reset.json().temporaryPassword);
    expect(next.json().passwordChangeRequired).toBe(true);
    expect(await auditTypes(COMMUNE)).toEqual(
      expect.arrayContaining([`admin.user_updated:${drafter}`, `admin.password_reset:${drafter}`]),
    );
    const restored = await call(next.json().token, 'POST', '/api/v1/auth/password', {
      currentPassword: reset.json().temporaryPassword,
      newPassword: 'demo-mat-khau-moi',
    });
    expect(restored.statusCode).toBe(200);
  }, 30_000);

  it('refuses to close its own account or the last province administrator', async () => {
    expect((await call(admin, 'POST', '/api/v1/admin/users/admin/deactivate', {})).statusCode).toBe(409);
    const demoted = await call(admin, 'PATCH', '/api/v1/admin/users/admin', { roles: ['leadership'] });
    expect(demoted.statusCode).toBe(409);
    expect(demoted.json().detail).toMatch(/last active province administrator/);
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
    const res = await call(
      communeAdmin,
      'POST',
      '/api/v1/admin/flows',
      definition(['khong.ton.tai', demoUsername('approver', OTHER_COMMUNE)], 2),
    );
    expect(res.statusCode).toBe(422);
    expect(res.json().errors.map((e: { path: string }) => e.path)).toEqual(
      expect.arrayContaining(['stages.0.approvers.users.0', 'stages.0.approvers.users.1']),
    );
  });

  it('refuses to close the last possible approver of an active flow until the flow changes', async () => {
    const approver = demoUsername('approver', COMMUNE);
    const saved = await call(communeAdmin, 'POST', '/api/v1/admin/flows', definition([approver]));
    expect(saved.statusCode).toBe(201);
    const named = await call(communeAdmin, 'POST', `/api/v1/admin/users/${approver}/deactivate`, {});
    expect(named.statusCode).toBe(409);
    expect(named.json()).toMatchObject({ flow: 'cong-van-kiem-tra-nguoi-duyet' });
    expect(named.json().detail).toMatch(/cong-van-kiem-tra-nguoi-duyet/);
    const lastSigner = await call(communeAdmin, 'POST', `/api/v1/admin/users/${signer}/deactivate`, {});
    expect(lastSigner.statusCode).toBe(409);
    const demoted = await call(communeAdmin, 'PATCH', `/api/v1/admin/users/${signer}`, {
      roles: ['approver'],
    });
    expect(demoted.statusCode).toBe(409);

    // Once a new version without the named approver is active, the account can close.
    const v2 = await call(communeAdmin, 'POST', '/api/v1/admin/flows', {
      ...definition([]),
      stages: [
        { id: 'duyet', name: 'Duyệt', approvers: { roles: ['approver', 'signer'] } },
        { id: 'ky', name: 'Ký', approvers: { roles: ['signer'] } },
      ],
    });
    expect(v2.statusCode).toBe(201);
    expect(
      (
        await call(communeAdmin, 'POST', '/api/v1/admin/flows/cong-van-kiem-tra-nguoi-duyet/activate', {
          version: v2.json().version,
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await call(communeAdmin, 'POST', `/api/v1/admin/users/${approver}/deactivate`, {})).statusCode,
    ).toBe(200);

    // Activating version 1 again is checked again: its named approver has left.
    const back = await call(
      communeAdmin,
      'POST',
      '/api/v1/admin/flows/cong-van-kiem-tra-nguoi-duyet/activate',
      {
        version: 1,
      },
    );
    expect(back.statusCode).toBe(422);
    expect(back.json().errors[0].path).toBe('stages.0.approvers.users.0');
    await call(communeAdmin, 'POST', `/api/v1/admin/users/${approver}/reactivate`, {});
  }, 30_000);

  it('keeps an agency administrator’s simulation within its agency (finding 8)', async () => {
    const res = await call(
      communeAdmin,
      'POST',
      '/api/v1/admin/flows/cong-van-kiem-tra-nguoi-duyet/simulate',
      {
        definition: definition([demoUsername('approver', COMMUNE)]),
        samples: [{ agency: OTHER_COMMUNE, type: 'CV', priority: 0, recipientLevels: [] }],
      },
    );
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toContain(demoUsername('signer', OTHER_COMMUNE));
    const own = await call(
      communeAdmin,
      'POST',
      '/api/v1/admin/flows/cong-van-kiem-tra-nguoi-duyet/simulate',
      {
        definition: definition([demoUsername('approver', COMMUNE)]),
        samples: [{ agency: COMMUNE, type: 'CV', priority: 0, recipientLevels: [] }],
      },
    );
    expect(own.statusCode).toBe(200);
    expect(own.json().results[0].draft.stages[1].approvers).toEqual([signer]);
  });
});

describe('agency registry', () => {
  const NEW_COMMUNE = '000.01.20.H29';

  it('creates, renames and refuses what it cannot do', async () => {
    const created = await call(admin, 'POST', '/api/v1/admin/agencies', {
      code: NEW_COMMUNE,
      name: 'Ủy ban nhân dân xã Tân Phú Lộc',
      level: 'commune',
      parent: PROVINCE,
      place: 'Tân Phú Lộc',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ code: NEW_COMMUNE, active: true });
    expect(
      (
        await call(admin, 'POST', '/api/v1/admin/agencies', {
          code: NEW_COMMUNE,
          name: 'Trùng mã',
          level: 'commune',
          parent: PROVINCE,
        })
      ).statusCode,
    ).toBe(409);
    const badCode = await call(admin, 'POST', '/api/v1/admin/agencies', {
      code: 'xa-moi',
      name: 'Sai mã',
      level: 'commune',
      parent: PROVINCE,
    });
    expect(badCode.statusCode).toBe(400);
    expect(badCode.json().errors[0].path).toBe('body.code');
    const noParent = await call(admin, 'POST', '/api/v1/admin/agencies', {
      code: '000.01.21.H29',
      name: 'Cấp trên không có',
      level: 'commune',
      parent: '000.09.09.H29',
    });
    expect(noParent.statusCode).toBe(422);
    expect(
      (
        await call(communeAdmin, 'POST', '/api/v1/admin/agencies', {
          code: '000.01.22.H29',
          name: 'Xã do quản trị cơ quan tạo',
          level: 'commune',
          parent: PROVINCE,
        })
      ).statusCode,
    ).toBe(403);

    const renamed = await call(admin, 'PATCH', `/api/v1/admin/agencies/${NEW_COMMUNE}`, {
      name: 'Ủy ban nhân dân xã Tân Phú Mới',
      shortName: 'UBND xã Tân Phú Mới',
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json().name).toBe('Ủy ban nhân dân xã Tân Phú Mới');
    expect(
      (await call(admin, 'PATCH', '/api/v1/admin/agencies/000.09.09.H29', { name: 'X' })).statusCode,
    ).toBe(404);
    expect(await auditTypes(NEW_COMMUNE)).toEqual(
      expect.arrayContaining(['admin.agency_created:', 'admin.agency_updated:']),
    );
  });

  it('merges an agency into a successor: its users move and its documents stay readable there', async () => {
    const drafter = demoUsername('drafter', OTHER_COMMUNE);
    const draft = await call(await h.login(drafter), 'POST', '/api/v1/documents', {
      type: 'CV',
      subject: 'Công văn trước sáp nhập',
      recipients: [PROVINCE],
      priority: 0,
      fileName: 'cong-van.pdf',
      pdfBase64: Buffer.from(await makePdf('Cong van truoc sap nhap')).toString('base64'),
    });
    expect(draft.statusCode).toBe(201);
    const id = draft.json().id as string;
    const before = await tokenVersion(drafter);

    const merged = await call(admin, 'POST', `/api/v1/admin/agencies/${OTHER_COMMUNE}/merge-into`, {
      successor: NEW_COMMUNE,
      reason: 'Sắp xếp đơn vị hành chính cấp xã năm 2025',
    });
    expect(merged.statusCode).toBe(200);
    expect(merged.json().agency).toMatchObject({
      code: OTHER_COMMUNE,
      active: false,
      successor: NEW_COMMUNE,
    });
    expect(merged.json().movedUsers).toContain(drafter);
    expect(await tokenVersion(drafter)).toBe(before + 1);

    const token = await h.login(drafter);
    expect((await call(token, 'GET', '/api/v1/me')).json().agency).toBe(NEW_COMMUNE);
    const list = await call(token, 'GET', '/api/v1/documents');
    expect(list.json().items.map((d: { id: string }) => d.id)).toContain(id);
    expect((await call(token, 'GET', `/api/v1/documents/${id}`)).statusCode).toBe(200);
    expect((await call(token, 'GET', `/api/v1/documents/${id}/file`)).statusCode).toBe(200);
    // Another agency still cannot see it.
    expect((await call(communeAdmin, 'GET', `/api/v1/documents/${id}`)).statusCode).toBe(404);
    // KPIs and paper registers of the merged agency read under the successor, and nowhere else.
    expect((await call(token, 'GET', `/api/v1/kpi/summary?agency=${OTHER_COMMUNE}`)).statusCode).toBe(200);
    expect((await call(token, 'GET', `/api/v1/kpi/agencies/${OTHER_COMMUNE}`)).statusCode).toBe(200);
    expect((await call(token, 'GET', `/api/v1/paper-documents?agency=${OTHER_COMMUNE}`)).statusCode).toBe(
      200,
    );
    expect((await call(communeAdmin, 'GET', `/api/v1/kpi/summary?agency=${OTHER_COMMUNE}`)).statusCode).toBe(
      403,
    );
    expect(
      (await call(communeAdmin, 'GET', `/api/v1/paper-documents?agency=${OTHER_COMMUNE}`)).statusCode,
    ).toBe(403);

    // Run twice, one effect; a different successor is a conflict.
    const merges = async () =>
      (await h.deps.audit.list({ agency: NEW_COMMUNE })).filter((e) => e.type === 'admin.agency_merged')
        .length;
    const mergedEvents = await merges();
    const again = await call(admin, 'POST', `/api/v1/admin/agencies/${OTHER_COMMUNE}/merge-into`, {
      successor: NEW_COMMUNE,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json().movedUsers).toEqual([]);
    expect(await merges()).toBe(mergedEvents);
    expect(
      (
        await call(admin, 'POST', `/api/v1/admin/agencies/${OTHER_COMMUNE}/merge-into`, {
          successor: PROVINCE,
        })
      ).statusCode,
    ).toBe(409);
    expect(
      (
        await call(admin, 'POST', '/api/v1/admin/users', {
          username: 'nguoi.moi',
          fullName: 'Người Mới',
          agency: OTHER_COMMUNE,
          roles: ['drafter'],
        })
      ).statusCode,
    ).toBe(409);
    expect((await call(admin, 'POST', `/api/v1/admin/agencies/${NEW_COMMUNE}/retire`, {})).statusCode).toBe(
      409,
    );
    expect(await auditTypes(NEW_COMMUNE)).toEqual(expect.arrayContaining(['admin.agency_merged:']));
  }, 60_000);

  it('retires an agency once nobody works there', async () => {
    const empty = await call(admin, 'POST', '/api/v1/admin/agencies', {
      code: '000.01.30.H29',
      name: 'Ban quản lý dự án tạm thời',
      level: 'department',
      parent: PROVINCE,
    });
    expect(empty.statusCode).toBe(201);
    const retired = await call(admin, 'POST', '/api/v1/admin/agencies/000.01.30.H29/retire', {
      reason: 'Giải thể',
    });
    expect(retired.statusCode).toBe(200);
    expect(retired.json().agency).toMatchObject({ active: false });
    expect(retired.json().agency.successor).toBeUndefined();
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
