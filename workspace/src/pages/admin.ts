import { ORDINARY_ROLES, type UserView } from '../../../schemas/admin';
import { Roles } from '../../../schemas/identity';
import { getJson, postJson } from '../api';
import { act, hasRole, type Ctx } from '../context';
import { field, h } from '../dom';
import { roleName, type MessageKey } from '../i18n';
import { certificatesTab } from './admin-certificates';
import { flowsTab } from './admin-flows';
import { personnelTab } from './admin-personnel';
import { pageHead } from './common';

/** Who sees the administration pages: an agency administrator (its agency), a province administrator (all). */
export const ADMIN_ROLES = ['agency_admin', 'province_admin'];

const TABS: { id: string; label: MessageKey }[] = [
  { id: 'users', label: 'users' },
  { id: 'flows', label: 'flows' },
  { id: 'certificates', label: 'certificates' },
  { id: 'personnel', label: 'personnel' },
];

/** The administration area: a tab bar and the chosen tab. */
export async function adminPage(ctx: Ctx, tab: string, query: URLSearchParams): Promise<HTMLElement> {
  if (!hasRole(ctx, ...ADMIN_ROLES))
    return h('p', { class: 'form-error', role: 'alert', 'data-page': 'admin' }, ctx.t('noPermission'));
  const bar = h(
    'nav',
    { class: 'subtabs', 'aria-label': ctx.t('administration') },
    ...TABS.map((x) =>
      h('a', { href: `#/admin/${x.id}`, 'aria-current': x.id === tab ? 'page' : false }, ctx.t(x.label)),
    ),
  );
  const body = await tabBody(ctx, tab, query);
  return h('div', { 'data-page': `admin-${tab}` }, pageHead(ctx.t('administration')), bar, body);
}

function tabBody(ctx: Ctx, tab: string, query: URLSearchParams): Promise<HTMLElement> | HTMLElement {
  switch (tab) {
    case 'flows':
      return flowsTab(ctx, query);
    case 'certificates':
      return certificatesTab(ctx);
    case 'personnel':
      return personnelTab(ctx);
    default:
      return usersTab(ctx, query);
  }
}

/** Users of the agency (every agency for a province administrator, filterable), their roles, and a new account. */
async function usersTab(ctx: Ctx, query: URLSearchParams): Promise<HTMLElement> {
  const province = hasRole(ctx, 'province_admin');
  const agency = province ? (query.get('agency') ?? '') : ctx.session.user.agency;
  const list = await getJson<{ items: UserView[] }>(
    ctx.session,
    `/admin/users${agency ? `?agency=${encodeURIComponent(agency)}` : ''}`,
  );
  const table = h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-table': 'users' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, ctx.t('username')),
          h('th', {}, ctx.t('fullName')),
          h('th', {}, ctx.t('agency')),
          h('th', {}, ctx.t('roles')),
          h('th', {}, ctx.t('state')),
        ),
      ),
      h(
        'tbody',
        {},
        ...list.items.map((u) =>
          h(
            'tr',
            { 'data-user': u.username },
            h('td', {}, u.username),
            h('td', {}, u.fullName, u.title ? h('div', { class: 'muted' }, u.title) : null),
            h('td', {}, ctx.agencies.get(u.agency)?.name ?? u.agency),
            h('td', {}, u.roles.map((r) => roleName(ctx.lang, r)).join(', ')),
            h('td', {}, u.active === false ? ctx.t('inactive') : ctx.t('active')),
          ),
        ),
      ),
    ),
  );
  return h('div', {}, createUserForm(ctx, agency || ctx.session.user.agency, province), table);
}

function createUserForm(ctx: Ctx, agency: string, province: boolean): HTMLElement {
  const username = h('input', {
    name: 'new-username',
    required: true,
    autocomplete: 'off',
  }) as HTMLInputElement;
  const fullName = h('input', { name: 'fullName', required: true }) as HTMLInputElement;
  const title = h('input', { name: 'title' }) as HTMLInputElement;
  const agencySelect = h(
    'select',
    { name: 'agency', disabled: !province },
    ...[...ctx.agencies.values()].map((a) =>
      h('option', { value: a.code, selected: a.code === agency }, a.name),
    ),
  ) as HTMLSelectElement;
  const roles = (province ? Roles : ORDINARY_ROLES).map((r) => ({
    r,
    box: h('input', { type: 'checkbox', value: r }) as HTMLInputElement,
  }));
  const form = h(
    'form',
    { class: 'card' },
    h('h3', {}, ctx.t('createUser')),
    h(
      'div',
      { class: 'grid2' },
      field(ctx.t('username'), username),
      field(ctx.t('fullName'), fullName),
      field(ctx.t('title'), title),
      field(ctx.t('agency'), agencySelect),
    ),
    h(
      'fieldset',
      {},
      h('legend', {}, ctx.t('roles')),
      ...roles.map(({ r, box }) => h('label', { class: 'check' }, box, ` ${roleName(ctx.lang, r)}`)),
    ),
    h('button', { type: 'submit', class: 'primary' }, ctx.t('createUser')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let temporary: string | undefined;
    void act(ctx, ctx.t('createUser'), async () => {
      const created = await postJson<{ temporaryPassword?: string }>(ctx.session, '/admin/users', {
        username: username.value.trim(),
        fullName: fullName.value.trim(),
        title: title.value.trim() || undefined,
        agency: agencySelect.value,
        roles: roles.filter((x) => x.box.checked).map((x) => x.r),
      });
      temporary = created.temporaryPassword;
    }).then((ok) => {
      // Shown once, as the API returns it once: the user must change it at first sign-in.
      if (ok && temporary)
        ctx.notify(`${ctx.t('createUser')}: ${ctx.t('temporaryPassword', { password: temporary })}`);
    });
  });
  return form;
}
