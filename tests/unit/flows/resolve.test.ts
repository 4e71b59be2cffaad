import { appliesTo, evaluate, resolveFlow } from '../../../flows/resolve';
import { validateFlow } from '../../../flows/validate';
import { FlowDefinitionSchema, type FlowSubject } from '../../../schemas/flow';

const subject = (over: Partial<FlowSubject> = {}): FlowSubject => ({
  agency: '000.00.32.H29',
  type: 'QD',
  priority: 0,
  recipientLevels: ['commune', 'department'],
  ...over,
});

const def = FlowDefinitionSchema.parse({
  name: 'quyet-dinh-so-noi-vu',
  title: 'Quyết định — Sở Nội vụ',
  scope: { agency: '000.00.32.H29' },
  documentTypes: ['Quyết định'],
  stages: [
    {
      id: 'phong',
      name: 'Phòng chuyên môn',
      approvers: { roles: ['approver'], users: ['chuyenvien.b'] },
      mode: { quorum: 2 },
    },
    {
      id: 'pho-giam-doc',
      name: 'Phó Giám đốc',
      approvers: { users: ['pgd.a', 'pgd.b'] },
      mode: 'all',
      when: {
        any: [
          { field: 'priority', op: 'in', value: [2, 3] },
          { field: 'recipientLevel', op: 'eq', value: 'province' },
        ],
      },
    },
    {
      id: 'xa',
      name: 'Gửi xã',
      approvers: { roles: ['signer'] },
      when: { not: { field: 'recipientLevel', op: 'ne', value: 'commune' } },
    },
  ],
});

const members = (role: string) => ({ approver: ['tp.b', 'tp.a'], signer: ['gd'] })[role] ?? [];

describe('flow resolution', () => {
  it('keeps only the stages whose conditions hold and lists approvers sorted without duplicates', () => {
    const r = resolveFlow(def, 3, subject(), members);
    expect(r).toMatchObject({ name: 'quyet-dinh-so-noi-vu', version: 3 });
    expect(r.stages.map((s) => s.id)).toEqual(['phong', 'xa']);
    expect(r.stages[0]).toMatchObject({ approvers: ['chuyenvien.b', 'tp.a', 'tp.b'], required: 2 });
    expect(r.stages[1]).toMatchObject({ approvers: ['gd'], required: 1 });
  });

  it('adds the deputy director stage for urgent documents, needing every named deputy', () => {
    const r = resolveFlow(def, 1, subject({ priority: 3, recipientLevels: ['department'] }), members);
    expect(r.stages.map((s) => s.id)).toEqual(['phong', 'pho-giam-doc']);
    expect(r.stages[1]).toMatchObject({ approvers: ['pgd.a', 'pgd.b'], required: 2 });
  });

  it('evaluates every combinator totally', () => {
    expect(
      evaluate(
        {
          all: [{ field: 'type', op: 'eq', value: 'QD' }, { not: { field: 'priority', op: 'eq', value: 1 } }],
        },
        subject(),
      ),
    ).toBe(true);
    expect(evaluate({ field: 'recipientLevel', op: 'ne', value: 'commune' }, subject())).toBe(false);
    expect(evaluate({ field: 'recipientLevel', op: 'in', value: ['district'] }, subject())).toBe(false);
  });

  it('applies to the listed document types only, named by code or by Vietnamese name', () => {
    expect(def.documentTypes).toEqual(['QD']);
    expect(appliesTo(def, 'QD')).toBe(true);
    expect(appliesTo(def, 'CV')).toBe(false);
  });

  it('refuses a document type it does not know instead of never matching it', () => {
    const parsed = FlowDefinitionSchema.safeParse({
      name: 'sai-loai',
      title: 'Loại văn bản sai',
      scope: { level: 'commune' },
      documentTypes: ['Công văn', 'Thư tay'],
      stages: [{ id: 'a', name: 'A', approvers: { roles: ['approver'] } }],
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['documentTypes.1']);
  });

  it('bounds a quorum by role holders when they are known', () => {
    expect(validateFlow(def, () => 1)).toEqual([]);
    expect(validateFlow(def, () => 0)).toEqual([
      { path: 'stages.0.mode.quorum', message: 'quorum 2 exceeds the 1 possible approvers' },
    ]);
  });
});
