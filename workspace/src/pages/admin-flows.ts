import { DocumentTypes } from '../../../schemas/document';
import type { FlowSummary, FlowVersion, ResolvedFlow } from '../../../schemas/flow';
import { ApiError, getJson, postJson } from '../api';
import { hasRole, type Ctx } from '../context';
import { field, h } from '../dom';
import { roleName } from '../i18n';
import { V, type FlowLabel as Key } from './admin-flows-labels';

interface SimulationResult {
  document: { id?: string; agency: string; type: string; priority: number; recipientLevels: string[] };
  current: ResolvedFlow | null;
  draft: ResolvedFlow;
  differs: boolean;
}
interface Simulation {
  activeVersion: number | null;
  results: SimulationResult[];
  differing: number;
}

/**
 * The approval-flow editor: stages, approvers (roles and named users), any/all/quorum, deadlines and an urgency
 * condition. The API validates (its messages are listed by field); a simulation over the agency's recent documents
 * (or sample ones) must be shown before "Lưu và kích hoạt" saves a version and activates it.
 */
export async function flowsTab(ctx: Ctx, query: URLSearchParams): Promise<HTMLElement> {
  const tr = (k: Key, p: Record<string, string | number> = {}) =>
    V[ctx.lang][k].replace(/\{(\w+)\}/g, (_, x: string) => String(p[x] ?? ''));
  const list = await getJson<{ items: FlowSummary[] }>(ctx.session, '/admin/flows');
  const name = query.get('flow');
  const existing = name
    ? await getJson<FlowSummary & { versions: FlowVersion[] }>(
        ctx.session,
        `/admin/flows/${encodeURIComponent(name)}`,
      )
    : null;
  const latest = existing?.versions.at(-1)?.definition;
  return h(
    'div',
    { 'data-tab': 'flows' },
    h(
      'section',
      { class: 'card' },
      h('h3', {}, tr('flows')),
      h(
        'ul',
        {},
        ...list.items.map((f) =>
          h(
            'li',
            { 'data-flow': f.name },
            h('a', { href: `#/admin/flows?flow=${encodeURIComponent(f.name)}` }, `${f.title} (${f.name})`),
            ` — ${tr('version', { a: f.activeVersion ?? '—', l: f.latestVersion })}`,
          ),
        ),
        h('li', {}, h('a', { href: '#/admin/flows' }, tr('newFlow'))),
      ),
    ),
    editor(ctx, tr, latest),
  );
}

/** The definition as the form builds it, before the API validates it. */
interface FlowDraft {
  name: string;
  title: string;
  scope: { agency: string };
  documentTypes: string[];
  stages: Record<string, unknown>[];
}

type Tr = (k: Key, p?: Record<string, string | number>) => string;
type Def = FlowVersion['definition'];

interface StageInputs {
  row: HTMLElement;
  value(): Record<string, unknown>;
}

/** The lowest urgency a stage's condition asks for (0: the stage always applies), as the editor writes it. */
function urgencyOf(condition: unknown): number {
  const c = condition as { field?: string; op?: string; value?: unknown } | undefined;
  if (c?.field !== 'priority') return 0;
  if (c.op === 'in' && Array.isArray(c.value)) return Math.min(...(c.value as number[]));
  return c.op === 'eq' ? Number(c.value) : 0;
}

function stageInputs(ctx: Ctx, tr: Tr, n: number, stage?: Def['stages'][number]): StageInputs {
  const id = h('input', { value: stage?.id ?? `buoc-${n}`, required: true }) as HTMLInputElement;
  const name = h('input', { value: stage?.name ?? '', required: true }) as HTMLInputElement;
  const roles = (['approver', 'signer', 'leadership', 'clerk'] as const).map((r) => ({
    r,
    box: h('input', {
      type: 'checkbox',
      value: r,
      checked: stage ? stage.approvers.roles.includes(r) : r === 'approver',
    }) as HTMLInputElement,
  }));
  const users = h('input', { value: stage?.approvers.users.join(', ') ?? '' }) as HTMLInputElement;
  const modeValue = typeof stage?.mode === 'object' ? 'quorum' : (stage?.mode ?? 'any');
  const mode = h(
    'select',
    {},
    ...(['any', 'all', 'quorum'] as const).map((m) =>
      h('option', { value: m, selected: m === modeValue }, tr(m)),
    ),
  ) as HTMLSelectElement;
  const quorum = h('input', {
    type: 'number',
    min: 1,
    value: typeof stage?.mode === 'object' ? stage.mode.quorum : 2,
  }) as HTMLInputElement;
  const deadline = h('input', {
    type: 'number',
    min: 1,
    value: stage?.deadlineHours ?? '',
  }) as HTMLInputElement;
  const urgent = urgencyOf(stage?.when);
  const condition = h(
    'select',
    {},
    h('option', { value: '0' }, tr('always')),
    ...[1, 2, 3].map((p) => h('option', { value: p, selected: p === urgent }, `${tr('urgentOnly')} ${p}`)),
  ) as HTMLSelectElement;
  const legend = tr('stage', { n });
  const row = h(
    'fieldset',
    { class: 'stage', 'data-stage': n },
    h('legend', {}, legend),
    h(
      'div',
      { class: 'grid2' },
      field(`${tr('stageId')} (${n})`, id),
      field(`${tr('stageName')} (${n})`, name),
      field(`${tr('mode')} (${n})`, mode),
      field(`${tr('quorumN')} (${n})`, quorum),
      field(`${tr('deadline')} (${n})`, deadline),
      field(`${tr('condition')} (${n})`, condition),
    ),
    h(
      'div',
      {},
      h('span', { class: 'muted' }, `${tr('approverRoles')}: `),
      ...roles.map(({ r, box }) => h('label', { class: 'check' }, box, ` ${roleName(ctx.lang, r)}`)),
    ),
    field(`${tr('approverUsers')} (${n})`, users),
  );
  return {
    row,
    value: () => {
      const p = Number(condition.value);
      return {
        id: id.value.trim(),
        name: name.value.trim(),
        approvers: {
          roles: roles.filter((x) => x.box.checked).map((x) => x.r),
          users: users.value
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        },
        mode: mode.value === 'quorum' ? { quorum: Number(quorum.value) } : mode.value,
        ...(deadline.value ? { deadlineHours: Number(deadline.value) } : {}),
        ...(p > 0 ? { when: { field: 'priority', op: 'in', value: [1, 2, 3].filter((x) => x >= p) } } : {}),
      };
    },
  };
}

function editor(ctx: Ctx, tr: Tr, def: Def | undefined): HTMLElement {
  const head = headInputs(ctx, tr, def);
  const stagesBox = h('div', {});
  const stages: StageInputs[] = [];
  const addStage = (s?: Def['stages'][number]) => {
    const inputs = stageInputs(ctx, tr, stages.length + 1, s);
    stages.push(inputs);
    stagesBox.append(inputs.row);
  };
  (def?.stages ?? [undefined]).forEach((s) => addStage(s));
  const errors = h('ul', { class: 'form-error', role: 'alert', 'data-errors': '' });
  const simulation = h('div', { 'data-simulation': '' });
  const activate = h(
    'button',
    { type: 'button', class: 'primary', disabled: true, title: tr('simulateFirst') },
    tr('activate'),
  ) as HTMLButtonElement;

  const definition = (): FlowDraft => ({ ...head.value(), stages: stages.map((s) => s.value()) });
  const showError = (err: unknown) => {
    const details =
      err instanceof ApiError
        ? err.errors.map((e) => h('li', { 'data-path': e.path }, `${e.path}: ${e.message}`))
        : [];
    errors.replaceChildren(h('li', {}, `${tr('invalid')}: ${(err as Error).message}`), ...details);
    if (err instanceof ApiError) ctx.notify(ctx.t('error', { message: err.message }), 'error');
  };
  const form = h(
    'form',
    { class: 'card', 'data-flow-editor': '' },
    h('h3', {}, def ? `${tr('edit')}: ${def.title}` : tr('newFlow')),
    ...head.elements,
    stagesBox,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => addStage() }, tr('addStage')),
    ),
    errors,
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, tr('simulate')), activate),
    simulation,
  );
  // Any edit makes the shown simulation stale: activation needs a new one.
  form.addEventListener('input', () => {
    activate.disabled = true;
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    errors.replaceChildren();
    ctx.notify('');
    const d = definition();
    void runSimulation(ctx, d)
      .then((sim) => {
        simulation.replaceChildren(simulationTable(ctx, tr, sim));
        activate.disabled = false;
      })
      .catch(showError);
  });
  activate.addEventListener('click', () => {
    const d = definition();
    saveAndActivate(ctx, tr, d).catch(showError);
  });
  return form;
}

/** Name, title, agency and document types of a flow, with the values the form sends. */
function headInputs(ctx: Ctx, tr: Tr, def: Def | undefined) {
  const province = hasRole(ctx, 'province_admin');
  const name = h('input', { value: def?.name ?? '', required: true, readonly: !!def }) as HTMLInputElement;
  const title = h('input', { value: def?.title ?? '', required: true }) as HTMLInputElement;
  const scopeAgency = def && 'agency' in def.scope ? def.scope.agency : ctx.session.user.agency;
  const agency = h(
    'select',
    { disabled: !province },
    ...[...ctx.agencies.values()].map((a) =>
      h('option', { value: a.code, selected: a.code === scopeAgency }, a.name),
    ),
  ) as HTMLSelectElement;
  const types = Object.entries(DocumentTypes).map(([code, t]) => ({
    code,
    box: h('input', {
      type: 'checkbox',
      value: code,
      checked: def?.documentTypes.includes(code as never) ?? false,
    }) as HTMLInputElement,
    name: t.name,
  }));
  return {
    elements: [
      h(
        'div',
        { class: 'grid2' },
        field(tr('flowName'), name),
        field(tr('flowTitle'), title),
        field(tr('scopeAgency'), agency),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, tr('types')),
        ...types.map((x) => h('label', { class: 'check' }, x.box, ` ${x.name}`)),
      ),
    ],
    value: () => ({
      name: name.value.trim(),
      title: title.value.trim(),
      scope: { agency: agency.value },
      documentTypes: types.filter((x) => x.box.checked).map((x) => x.code),
    }),
  };
}

/** Saves the form as a new version and activates it (the first version of a flow is active once saved). */
async function saveAndActivate(ctx: Ctx, tr: Tr, d: FlowDraft): Promise<void> {
  const saved = await postJson<FlowVersion>(ctx.session, '/admin/flows', d);
  const summary = await postJson<FlowSummary>(
    ctx.session,
    `/admin/flows/${encodeURIComponent(d.name)}/activate`,
    {
      version: saved.version,
    },
  );
  ctx.notify(tr('activated', { v: summary.activeVersion ?? saved.version }), 'ok');
  ctx.navigate(`#/admin/flows?flow=${encodeURIComponent(d.name)}`);
}

/** The agency's recent documents; when it has none yet, one sample per urgency of the flow's first type. */
async function runSimulation(ctx: Ctx, def: FlowDraft): Promise<Simulation & { samples: boolean }> {
  const d = def;
  const path = `/admin/flows/${encodeURIComponent(d.name || '-')}/simulate`;
  const recent = await postJson<Simulation>(ctx.session, path, { definition: def });
  if (recent.results.length > 0) return { ...recent, samples: false };
  const type = d.documentTypes[0] ?? 'CV';
  const samples = [0, 3].map((priority) => ({ agency: d.scope.agency, type, priority, recipientLevels: [] }));
  return { ...(await postJson<Simulation>(ctx.session, path, { definition: def, samples })), samples: true };
}

function simulationTable(ctx: Ctx, tr: Tr, sim: Simulation & { samples: boolean }): HTMLElement {
  const stagesOf = (f: ResolvedFlow | null) =>
    f ? f.stages.map((s) => `${s.name} (${s.approvers.join(', ')}; ${s.required})`).join(' → ') : '—';
  return h(
    'section',
    { class: 'card', 'aria-label': tr('simulation'), 'data-differing': sim.differing },
    h('h3', {}, tr('simulation')),
    sim.samples ? h('p', { class: 'muted' }, tr('noSamples')) : null,
    h('p', {}, tr('differing', { n: sim.differing, of: sim.results.length })),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'data-table': 'simulation' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, ctx.t('document')),
            h('th', {}, tr('currentFlow')),
            h('th', {}, tr('draftFlow')),
            h('th', {}, tr('differs')),
          ),
        ),
        h(
          'tbody',
          {},
          ...sim.results.map((r) =>
            h(
              'tr',
              { 'data-differs': String(r.differs) },
              h(
                'td',
                {},
                `${DocumentTypes[r.document.type as keyof typeof DocumentTypes]?.name ?? r.document.type} · ${ctx.t('priority')} ${r.document.priority}`,
              ),
              h('td', {}, stagesOf(r.current)),
              h('td', {}, stagesOf(r.draft)),
              h('td', {}, r.differs ? tr('differs') : tr('same')),
            ),
          ),
        ),
      ),
    ),
  );
}
