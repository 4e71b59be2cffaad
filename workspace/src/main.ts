import type { Agency } from '../../schemas/identity';
import { clearSession, getJson, loadSession, UnauthorisedError, type Session } from './api';
import { hasRole, type Ctx } from './context';
import { h, labelCells } from './dom';
import { roleName, t, type Lang, type MessageKey } from './i18n';
import { adminPage, ADMIN_ROLES } from './pages/admin';
import { composePage } from './pages/compose';
import { incomingDetailPage } from './pages/incoming-detail';
import { incomingListPage } from './pages/incoming-list';
import { notificationsPage, unreadCount } from './pages/notifications';
import { outgoingDetailPage } from './pages/outgoing-detail';
import { outgoingListPage } from './pages/outgoing-list';
import { paperPage } from './pages/paper';
import { changePasswordPage, signInPage } from './pages/sign-in';
import './style.css';

const LANG_KEY = 'lienthong.workspace.lang';
const root = document.getElementById('app')!;

let lang: Lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
let session: Session | null = loadSession();
let agencies = new Map<string, Agency>();
/** Each render gets a number; a slower, older render never replaces a newer one. */
let renderSeq = 0;

interface Shell {
  main: HTMLElement;
  status: HTMLElement;
  unread: HTMLElement;
}
let shell: Shell | null = null;

function signOut(): void {
  clearSession();
  session = null;
  shell = null;
  agencies = new Map();
  location.hash = '';
  void start();
}

function makeCtx(s: Session): Ctx {
  const ctx: Ctx = {
    lang,
    session: s,
    agencies,
    t: (key: MessageKey, params?: Record<string, string | number>) => t(lang, key, params),
    navigate: (hash) => {
      if (location.hash === hash) void route(true);
      else location.hash = hash;
    },
    refresh: () => void route(false),
    notify: (text, kind = 'ok') => {
      if (!shell) return;
      shell.status.textContent = text;
      shell.status.className = `status ${kind}`;
    },
    reloadNotifications: () => void loadUnread(ctx),
  };
  return ctx;
}

async function loadUnread(ctx: Ctx): Promise<void> {
  try {
    const n = await unreadCount(ctx);
    if (shell) {
      shell.unread.textContent = String(n);
      shell.unread.dataset.count = String(n);
    }
  } catch {
    // The count is a convenience: the notifications page reports its own errors.
  }
}

/** The header (who is signed in, notifications, language, sign-out), the navigation and the page area. */
function buildShell(ctx: Ctx): Shell {
  const u = ctx.session.user;
  const unread = h('span', { class: 'count', 'data-count': '0' }, '0');
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = (hash: string, key: MessageKey) =>
    h('a', { href: hash, 'data-nav': hash.slice(2) }, ctx.t(key));
  root.replaceChildren(
    h('a', { class: 'skip', href: '#main', onclick: (e: Event) => (e.preventDefault(), main.focus()) }, '↓'),
    h(
      'header',
      {},
      h('h1', {}, ctx.t('appTitle')),
      h(
        'div',
        { class: 'who', 'data-user': u.username },
        h('strong', { 'data-field': 'fullName' }, u.fullName),
        h('span', { 'data-field': 'agency' }, ctx.agencies.get(u.agency)?.name ?? u.agency),
        h('span', { 'data-field': 'roles' }, u.roles.map((r) => roleName(lang, r)).join(', ')),
      ),
      h(
        'div',
        { class: 'header-actions' },
        h(
          'a',
          { href: '#/notifications', class: 'bell', 'data-nav': 'notifications' },
          `${ctx.t('notifications')} `,
          unread,
        ),
        h(
          'button',
          { type: 'button', 'data-action': 'lang', lang: lang === 'vi' ? 'en' : 'vi', onclick: switchLang },
          ctx.t('language'),
        ),
        h('button', { type: 'button', class: 'logout', onclick: signOut }, ctx.t('logout')),
      ),
    ),
    h(
      'nav',
      { class: 'tabs', 'aria-label': ctx.t('appTitle') },
      nav('#/outgoing', 'outgoing'),
      nav('#/incoming', 'incoming'),
      hasRole(ctx, 'clerk') ? nav('#/paper', 'paper') : null,
      hasRole(ctx, ...ADMIN_ROLES) ? nav('#/admin/users', 'administration') : null,
    ),
    status,
    main,
  );
  return { main, status, unread };
}

function switchLang(): void {
  lang = lang === 'vi' ? 'en' : 'vi';
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang;
  shell = null;
  void start();
}

/** The page for the current hash. */
function pageFor(ctx: Ctx): Promise<HTMLElement> | HTMLElement {
  const [path, q] = location.hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(q ?? '');
  const parts = (path || '/outgoing').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'incoming':
      return parts[1] ? incomingDetailPage(ctx, parts[1]) : incomingListPage(ctx, query);
    case 'notifications':
      return notificationsPage(ctx);
    case 'paper':
      return paperPage(ctx);
    case 'admin':
      return adminPage(ctx, parts[1] ?? 'users', query);
    default:
      if (parts[1] === 'new') return composePage(ctx);
      return parts[1] ? outgoingDetailPage(ctx, parts[1]) : outgoingListPage(ctx, query);
  }
}

/** The first path segment of a route (`#/admin/flows?x` → `admin`), which names its navigation tab. */
const section = (hash: string) => hash.replace(/^#\/?/, '').split(/[/?]/)[0];

async function route(moveFocus: boolean): Promise<void> {
  if (!session || !shell) return;
  const seq = ++renderSeq;
  const ctx = makeCtx(session);
  document.body.dataset.ready = 'false';
  for (const a of root.querySelectorAll<HTMLElement>('nav.tabs a'))
    a.toggleAttribute(
      'aria-current',
      section(location.hash || '#/outgoing') === section(a.getAttribute('href')!),
    );
  void loadUnread(ctx);
  let page: HTMLElement;
  try {
    page = await pageFor(ctx);
  } catch (err) {
    if (err instanceof UnauthorisedError) return signOut();
    page = h(
      'p',
      { class: 'form-error', role: 'alert' },
      t(lang, 'error', { message: (err as Error).message }),
    );
  }
  if (seq !== renderSeq || !shell) return;
  labelCells(page);
  shell.main.replaceChildren(page);
  document.body.dataset.page = page.dataset.page ?? 'error';
  document.body.dataset.ready = 'true';
  if (moveFocus) shell.main.focus({ preventScroll: false });
}

async function start(): Promise<void> {
  document.documentElement.lang = lang;
  document.title = t(lang, 'appTitle');
  if (!session) {
    root.replaceChildren(
      h(
        'header',
        {},
        h('h1', {}, t(lang, 'appTitle')),
        h('button', { type: 'button', 'data-action': 'lang', onclick: switchLang }, t(lang, 'language')),
      ),
      signInPage(lang, (s) => ((session = s), void start())),
    );
    document.body.dataset.page = 'sign-in';
    document.body.dataset.ready = 'true';
    return;
  }
  if (session.passwordChangeRequired) {
    root.replaceChildren(
      h(
        'header',
        {},
        h('h1', {}, t(lang, 'appTitle')),
        h('button', { type: 'button', class: 'logout', onclick: signOut }, t(lang, 'logout')),
      ),
      changePasswordPage(lang, session, (s) => ((session = s), void start())),
    );
    document.body.dataset.page = 'change-password';
    document.body.dataset.ready = 'true';
    return;
  }
  try {
    const list = await getJson<{ items: Agency[] }>(session, '/agencies');
    agencies = new Map(list.items.map((a) => [a.code, a]));
  } catch (err) {
    if (err instanceof UnauthorisedError) return signOut();
  }
  shell = buildShell(makeCtx(session));
  await route(false);
}

window.addEventListener('hashchange', () => void route(true));
void start();
