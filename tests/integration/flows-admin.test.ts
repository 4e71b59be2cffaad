import { startHarness, type Harness } from './helpers/harness';

const COMMUNE = '000.01.01.H29';
let h: Harness;
let admin: string;
let agencyAdmin: string;

beforeAll(async () => {
  h = await startHarness();
  admin = await h.loginAs('admin');
  agencyAdmin = await h.loginAs('agency_admin', COMMUNE);
}, 90_000);

afterAll(async () => {
  await h?.close();
});

const flow = (overrides: Record<string, unknown> = {}) => ({
  name: 'cong-van-xa-tan-phu',
  title: 'Quy trình duyệt công văn — UBND xã Tân Phú',
  scope: { agency: COMMUNE },
  documentTypes: ['Công văn'],
  stages: [
    {
      id: 'truong-phong',
      name: 'Trưởng phòng duyệt',
      approvers: { roles: ['approver'] },
      mode: 'any',
      deadlineHours: 24,
      reminderBeforeHours: 4,
      escalation: { kind: 'role', role: 'signer' },
    },
    {
      id: 'khan',
      name: 'Văn bản hỏa tốc: lãnh đạo duyệt',
      approvers: { roles: ['signer'] },
      when: { field: 'priority', op: 'eq', value: 3 },
    },
  ],
  ...overrides,
});

describe('approval flows as versioned data', () => {
  it('creates version 1 active, and a later edit is version 2 that does not replace the active one', async () => {
    const v1 = await h.api(agencyAdmin).post('/admin/flows', flow());
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({
      name: 'cong-van-xa-tan-phu',
      version: 1,
      createdBy: `agency_admin.${COMMUNE.toLowerCase()}`,
    });
    const v2 = await h.api(agencyAdmin).post('/admin/flows', flow({ title: 'Quy trình mới' }));
    expect(v2.body.version).toBe(2);

    const got = await h.api(agencyAdmin).get('/admin/flows/cong-van-xa-tan-phu');
    expect(got.body).toMatchObject({ activeVersion: 1, latestVersion: 2 });
    expect(got.body.versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect(got.body.versions[0].definition.title).toBe('Quy trình duyệt công văn — UBND xã Tân Phú');

    const activated = await h.api(admin).post('/admin/flows/cong-van-xa-tan-phu/activate', {
      version: 2,
    });
    expect(activated.body.activeVersion).toBe(2);
    expect(
      (await h.api(admin).post('/admin/flows/cong-van-xa-tan-phu/activate', { version: 9 })).status,
    ).toBe(404);
  });

  it.each([
    [
      'an unknown role',
      { stages: [{ id: 'a', name: 'A', approvers: { roles: ['mayor'] } }] },
      'stages.0.approvers.roles.0',
    ],
    ['an empty stage', { stages: [{ id: 'a', name: 'A', approvers: {} }] }, 'stages.0.approvers'],
    [
      'a quorum larger than the approver set',
      {
        stages: [
          { id: 'a', name: 'A', approvers: { users: ['approver.000.01.01.h29'] }, mode: { quorum: 2 } },
        ],
      },
      'stages.0.mode.quorum',
    ],
    [
      'a deadline not after the reminder',
      {
        stages: [
          {
            id: 'a',
            name: 'A',
            approvers: { roles: ['approver'] },
            deadlineHours: 4,
            reminderBeforeHours: 4,
          },
        ],
      },
      'stages.0.deadlineHours',
    ],
    [
      'an escalation cycle',
      {
        stages: [
          {
            id: 'a',
            name: 'A',
            approvers: { roles: ['approver'] },
            deadlineHours: 8,
            escalation: { kind: 'stage', stage: 'b' },
          },
          {
            id: 'b',
            name: 'B',
            approvers: { roles: ['signer'] },
            deadlineHours: 8,
            escalation: { kind: 'stage', stage: 'a' },
          },
        ],
      },
      'stages.0.escalation',
    ],
  ])('refuses %s with 422 naming the field', async (_label, overrides, path) => {
    const res = await h.api(agencyAdmin).post('/admin/flows', flow({ name: 'bad-flow', ...overrides }));
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect((await h.api(admin).get('/admin/flows/bad-flow')).status).toBe(404);
  });

  it('keeps an agency administrator to its own agency and level defaults to the province administrator', async () => {
    const other = await h
      .api(agencyAdmin)
      .post('/admin/flows', flow({ name: 'x-noi-vu', scope: { agency: '000.00.32.H29' } }));
    expect(other.status).toBe(403);
    const level = flow({ name: 'mac-dinh-cap-xa', scope: { level: 'commune' } });
    expect((await h.api(agencyAdmin).post('/admin/flows', level)).status).toBe(403);
    expect((await h.api(admin).post('/admin/flows', level)).status).toBe(201);
    const listed = (await h.api(agencyAdmin).get('/admin/flows')).body.items.map(
      (f: { name: string }) => f.name,
    );
    expect(listed).toEqual(['cong-van-xa-tan-phu']);
    const drafter = await h.loginAs('drafter', COMMUNE);
    expect((await h.api(drafter).get('/admin/flows')).status).toBe(403);
  });

  it('simulates a draft against sample documents and reports which would route differently', async () => {
    const draft = flow({
      stages: [
        { id: 'truong-phong', name: 'Trưởng phòng duyệt', approvers: { roles: ['approver'] }, mode: 'any' },
        { id: 'lanh-dao', name: 'Lãnh đạo duyệt mọi văn bản', approvers: { roles: ['signer'] }, mode: 'all' },
      ],
    });
    const res = await h.api(agencyAdmin).post('/admin/flows/cong-van-xa-tan-phu/simulate', {
      definition: draft,
      samples: [
        { agency: COMMUNE, type: 'Công văn', priority: 3, recipientLevels: ['department'] },
        { agency: COMMUNE, type: 'Công văn', priority: 0, recipientLevels: ['commune'] },
      ],
    });
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.activeVersion).toBe(2);
    // Urgent: the active version already adds the leader stage; the draft only renames it.
    expect(body.results[0].current.stages.map((s: { id: string }) => s.id)).toEqual(['truong-phong', 'khan']);
    expect(body.results[1].current.stages.map((s: { id: string }) => s.id)).toEqual(['truong-phong']);
    expect(body.results[1].draft.stages.map((s: { id: string }) => s.id)).toEqual([
      'truong-phong',
      'lanh-dao',
    ]);
    expect(body.results[1].draft.stages[1].approvers).toEqual([`signer.${COMMUNE.toLowerCase()}`]);
    expect(body.results.every((r: { differs: boolean }) => r.differs)).toBe(true);
    expect(body.differing).toBe(2);
  });
});
