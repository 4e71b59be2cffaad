import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import {
  clearSession,
  downloadCsv,
  getJson,
  loadSession,
  login,
  UnauthorisedError,
  type AgencyKpiRow,
  type AgencyKpiTable,
  type DrillDown,
  type KpiSummary,
  type KpiTrend,
  type Session,
} from './api';
import { count, duration, levelName, percent, revocationReason, t, type Lang, type MessageKey } from './i18n';
import './style.css';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);

type Colour = 'green' | 'amber' | 'red' | 'none';
type SortKey = keyof AgencyKpiRow;

interface State {
  lang: Lang;
  session: Session | null;
  from: string;
  to: string;
  level: string;
  summary?: KpiSummary;
  table?: AgencyKpiTable;
  trend?: KpiTrend;
  drill?: DrillDown;
  sort: { key: SortKey; dir: 1 | -1 };
  error?: string;
  loginError?: boolean;
}

const vnToday = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);
const LANG_KEY = 'lienthong.dashboard.lang';

const state: State = {
  lang: (localStorage.getItem(LANG_KEY) as Lang | null) ?? 'vi',
  session: loadSession(),
  from: `${vnToday().slice(0, 4)}-01-01`,
  to: vnToday(),
  level: '',
  sort: { key: 'share', dir: -1 },
};
let chart: Chart | undefined;

type Child = Node | string | number | null | undefined | false;

/** Creates an element: `h('div', { class: 'x', 'data-kpi': 'y' }, child…)`; `on*` attributes become listeners. */
function h(tag: string, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else el.setAttribute(k, String(v));
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
}

const tr = (key: MessageKey, params?: Record<string, string | number>) => t(state.lang, key, params);

/** Semicircular gauge with a target tick. */
function gauge(share: number | null, target: number, colour: Colour, kpi: string): HTMLElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 120 70');
  svg.setAttribute('class', 'gauge');
  const arc = 'M 10 60 A 50 50 0 0 1 110 60';
  const length = Math.PI * 50;
  const path = (stroke: string, dash: string) => {
    const p = document.createElementNS(ns, 'path');
    p.setAttribute('d', arc);
    p.setAttribute('fill', 'none');
    p.setAttribute('stroke-width', '12');
    p.setAttribute('stroke', stroke);
    p.setAttribute('stroke-dasharray', dash);
    return p;
  };
  svg.append(path('#e3e6ea', `${length} ${length}`));
  svg.append(path(`var(--${colour})`, `${Math.max(0, Math.min(1, share ?? 0)) * length} ${length}`));
  const angle = Math.PI * (1 - target);
  const tick = document.createElementNS(ns, 'line');
  tick.setAttribute('x1', String(60 + 40 * Math.cos(angle)));
  tick.setAttribute('y1', String(60 - 40 * Math.sin(angle)));
  tick.setAttribute('x2', String(60 + 58 * Math.cos(angle)));
  tick.setAttribute('y2', String(60 - 58 * Math.sin(angle)));
  tick.setAttribute('class', 'target-tick');
  svg.append(tick);
  const wrap = h('div', { class: 'gauge-wrap' });
  wrap.append(svg);
  wrap.append(
    h(
      'div',
      { class: `gauge-value ${colour}`, 'data-kpi': kpi, 'data-value': share ?? '' },
      percent(state.lang, share),
    ),
  );
  return wrap;
}

/** Horizontal progress bar toward a target (marker) and 100%. */
function progress(share: number | null, target: number, colour: Colour, kpi?: string): HTMLElement {
  const pct = Math.max(0, Math.min(1, share ?? 0)) * 100;
  return h(
    'div',
    { class: 'progress', title: `${tr('target')} ${percent(state.lang, target)}` },
    h('div', { class: `progress-fill ${colour}`, style: `width:${pct}%` }),
    h('div', { class: 'progress-target', style: `left:${target * 100}%` }),
    h(
      'span',
      { class: 'progress-label', 'data-kpi': kpi, 'data-value': share ?? '' },
      percent(state.lang, share),
    ),
  );
}

function query(extra: Record<string, string> = {}): string {
  const p = new URLSearchParams({ from: state.from, to: state.to, ...extra });
  if (state.level) p.set('level', state.level);
  return p.toString();
}

async function load(): Promise<void> {
  const session = state.session;
  if (!session) return render();
  document.body.dataset.ready = 'false';
  state.error = undefined;
  try {
    const [summary, table, trend] = await Promise.all([
      getJson<KpiSummary>(session, `/kpi/summary?${query()}`),
      getJson<AgencyKpiTable>(session, `/kpi/agencies?${query()}`),
      getJson<KpiTrend>(session, `/kpi/trend?months=12${state.level ? `&level=${state.level}` : ''}`),
    ]);
    Object.assign(state, { summary, table, trend });
  } catch (err) {
    if (err instanceof UnauthorisedError) {
      clearSession();
      state.session = null;
    } else state.error = tr('error');
  }
  render();
  document.body.dataset.ready = 'true';
}

async function openDrill(code: string): Promise<void> {
  if (!state.session) return;
  state.drill = await getJson<DrillDown>(state.session, `/kpi/agencies/${code}?${query()}`);
  render();
}

function loginView(): HTMLElement {
  const user = h('input', { name: 'username', autocomplete: 'username', required: true }) as HTMLInputElement;
  const pass = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  }) as HTMLInputElement;
  const form = h(
    'form',
    {
      class: 'login',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          state.session = await login(user.value, pass.value);
          state.loginError = false;
          await load();
        } catch {
          state.loginError = true;
          render();
        }
      },
    },
    h('h1', {}, tr('title')),
    h('label', {}, tr('username'), user),
    h('label', {}, tr('password'), pass),
    state.loginError ? h('p', { class: 'error', role: 'alert' }, tr('loginFailed')) : null,
    h('button', { type: 'submit' }, tr('login')),
  );
  return form;
}

function header(): HTMLElement {
  const toggle = h(
    'button',
    {
      class: 'lang',
      'data-action': 'lang',
      onclick: () => {
        state.lang = state.lang === 'vi' ? 'en' : 'vi';
        localStorage.setItem(LANG_KEY, state.lang);
        document.documentElement.lang = state.lang;
        render();
      },
    },
    state.lang === 'vi' ? 'English' : 'Tiếng Việt',
  );
  const logout = state.session
    ? h(
        'button',
        {
          class: 'logout',
          onclick: () => {
            clearSession();
            state.session = null;
            render();
          },
        },
        `${state.session.user.fullName} · ${tr('logout')}`,
      )
    : null;
  return h(
    'header',
    {},
    h('div', {}, h('h1', {}, tr('title')), h('p', { class: 'subtitle' }, tr('subtitle'))),
    h('div', { class: 'header-actions' }, toggle, logout),
  );
}

function filters(): HTMLElement {
  const from = h('input', { type: 'date', name: 'from', value: state.from }) as HTMLInputElement;
  const to = h('input', { type: 'date', name: 'to', value: state.to }) as HTMLInputElement;
  const level = h(
    'select',
    { name: 'level' },
    ...['', 'department', 'district', 'commune', 'province'].map((l) =>
      h('option', { value: l, selected: l === state.level }, l ? levelName(state.lang, l) : tr('allLevels')),
    ),
  ) as HTMLSelectElement;
  return h(
    'form',
    {
      class: 'filters',
      onsubmit: (e: Event) => {
        e.preventDefault();
        Object.assign(state, { from: from.value, to: to.value, level: level.value });
        void load();
      },
    },
    h('label', {}, tr('from'), from),
    h('label', {}, tr('to'), to),
    h('label', {}, tr('level'), level),
    h('button', { type: 'submit' }, tr('apply')),
  );
}

function agencyList(items: { code: string; name: string }[], testId: string): HTMLElement {
  if (items.length === 0) return h('p', { class: 'muted', 'data-list': testId }, tr('none'));
  return h(
    'ul',
    { class: 'agency-list', 'data-list': testId },
    ...items.map((a) => h('li', { 'data-agency': a.code }, a.name)),
  );
}

function headline(s: KpiSummary): HTMLElement {
  const ex = s.exchange;
  const cov = s.coverage;
  const exCard = h(
    'section',
    { class: 'card headline', 'data-card': 'exchange' },
    h('h2', {}, tr('exchangeShare')),
    gauge(ex.share, ex.target, ex.status, 'exchange-share'),
    h(
      'p',
      { class: 'detail' },
      h(
        'span',
        { 'data-kpi': 'exchange-numerator', 'data-value': ex.electronicValid },
        count(state.lang, ex.electronicValid),
      ),
      ' / ',
      h('span', { 'data-kpi': 'exchange-denominator', 'data-value': ex.total }, count(state.lang, ex.total)),
    ),
    h('p', { class: 'muted' }, tr('exchangeDetail', { num: ex.electronicValid, den: ex.total })),
    h(
      'p',
      { class: 'split' },
      `${tr('electronic')}: ${count(state.lang, ex.electronic)} · ${tr('paper')}: ${count(state.lang, ex.paper)} · ${tr('target')}: ${percent(state.lang, ex.target)}`,
    ),
  );
  const covCard = h(
    'section',
    { class: 'card headline', 'data-card': 'coverage' },
    h('h2', {}, tr('coverage')),
    gauge(cov.certificateShare, cov.target, cov.certificateStatus, 'coverage-share'),
    h(
      'p',
      { class: 'detail' },
      h(
        'span',
        { 'data-kpi': 'coverage-numerator', 'data-value': cov.withCertificate },
        count(state.lang, cov.withCertificate),
      ),
      ' / ',
      h(
        'span',
        { 'data-kpi': 'coverage-denominator', 'data-value': cov.agencies },
        count(state.lang, cov.agencies),
      ),
    ),
    h('h3', {}, tr('signedAndSent')),
    progress(cov.sentShare, cov.target, cov.sentStatus, 'sent-share'),
    h(
      'details',
      {},
      h('summary', {}, `${tr('missingCertificate')} (${cov.missingCertificate.length})`),
      agencyList(cov.missingCertificate, 'missing-certificate'),
    ),
    h(
      'details',
      {},
      h('summary', {}, `${tr('notSent')} (${cov.notSent.length})`),
      agencyList(cov.notSent, 'not-sent'),
    ),
  );
  return h('div', { class: 'headlines' }, exCard, covCard);
}

function levels(s: KpiSummary): HTMLElement | null {
  if (s.levels.length < 2) return null;
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, tr('byLevel')),
    h(
      'table',
      { class: 'levels' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, tr('level')),
          h('th', {}, tr('share')),
          h('th', { class: 'num' }, tr('total')),
          h('th', {}, tr('coverage')),
          h('th', { class: 'num' }, tr('agencies')),
        ),
      ),
      h(
        'tbody',
        {},
        ...s.levels.map((l) =>
          h(
            'tr',
            { 'data-level': l.level },
            h('th', {}, levelName(state.lang, l.level)),
            h('td', { class: 'bar-cell' }, progress(l.exchange.share, l.exchange.target, l.exchange.status)),
            h(
              'td',
              { class: 'num' },
              `${count(state.lang, l.exchange.electronicValid)} / ${count(state.lang, l.exchange.total)}`,
            ),
            h(
              'td',
              { class: 'bar-cell' },
              progress(l.coverage.certificateShare, l.coverage.target, l.coverage.certificateStatus),
            ),
            h('td', { class: 'num' }, `${l.coverage.withCertificate} / ${l.coverage.agencies}`),
          ),
        ),
      ),
    ),
  );
}

function tile(
  key: MessageKey,
  value: string | number,
  tone: 'ok' | 'warn' | 'bad',
  kpi: string,
  ...extra: Child[]
): HTMLElement {
  return h(
    'div',
    { class: `tile ${tone}`, 'data-tile': kpi },
    h('div', { class: 'tile-title' }, tr(key)),
    h(
      'div',
      { class: 'tile-value', 'data-kpi': kpi, 'data-value': value },
      typeof value === 'number' ? count(state.lang, value) : value,
    ),
    ...extra,
  );
}

function reasons(list: { reason: string; count: number }[]): HTMLElement | null {
  if (list.length === 0) return null;
  return h('ol', { class: 'reasons' }, ...list.map((r) => h('li', {}, `${r.reason} (${r.count})`)));
}

function health(s: KpiSummary): HTMLElement {
  const x = s.health;
  const tone = (n: number): 'ok' | 'warn' | 'bad' => (n === 0 ? 'ok' : n < 5 ? 'warn' : 'bad');
  return h(
    'section',
    { class: 'card' },
    h('h2', {}, tr('health')),
    h(
      'div',
      { class: 'tiles' },
      tile('notYetSent', x.notYetSent, tone(x.notYetSent), 'not-yet-sent'),
      tile('sendFailures', x.sendFailures, tone(x.sendFailures), 'send-failures'),
      tile('returned', x.returned.count, tone(x.returned.count), 'returned', reasons(x.returned.topReasons)),
      tile('rejected', x.rejected.count, tone(x.rejected.count), 'rejected', reasons(x.rejected.topReasons)),
      tile(
        'lateAcceptance',
        x.lateAcceptance.acceptedLate + x.lateAcceptance.pendingOverdue,
        tone(x.lateAcceptance.acceptedLate + x.lateAcceptance.pendingOverdue),
        'late-acceptance',
        h(
          'p',
          { class: 'muted' },
          tr('lateDetail', {
            late: x.lateAcceptance.acceptedLate,
            accepted: x.lateAcceptance.accepted,
            sla: x.lateAcceptance.slaHours,
            pending: x.lateAcceptance.pendingOverdue,
          }),
        ),
      ),
      tile(
        'verificationFailures',
        x.verificationFailures.count,
        tone(x.verificationFailures.count),
        'verification-failures',
        reasons(x.verificationFailures.byReason),
      ),
      tile(
        'issueToAcceptance',
        duration(state.lang, x.issueToAcceptance.medianMinutes),
        'ok',
        'issue-to-acceptance',
        h(
          'p',
          { class: 'muted' },
          tr('medianP95', {
            median: duration(state.lang, x.issueToAcceptance.medianMinutes),
            p95: duration(state.lang, x.issueToAcceptance.p95Minutes),
          }),
        ),
      ),
      tile(
        'approvalsOverdue',
        x.approvalsOverdue.open,
        tone(x.approvalsOverdue.open),
        'approvals-overdue',
        h(
          'p',
          { class: 'muted' },
          tr('overdueDetail', { open: x.approvalsOverdue.open, period: x.approvalsOverdue.inPeriod }),
        ),
      ),
      tile(
        'expiring',
        s.certificates.expiring.within30,
        tone(s.certificates.expiring.within30),
        'expiring-30',
        h(
          'p',
          { class: 'muted' },
          `${tr('within', { days: 30 })}: ${s.certificates.expiring.within30} · ${tr('within', { days: 60 })}: ${s.certificates.expiring.within60} · ${tr('within', { days: 90 })}: ${s.certificates.expiring.within90}`,
        ),
      ),
      tile(
        'revocations',
        s.certificates.revocations.total,
        s.certificates.revocations.total ? 'warn' : 'ok',
        'revocations',
        reasons(
          s.certificates.revocations.byReason.map((r) => ({
            ...r,
            reason: revocationReason(state.lang, r.reason),
          })),
        ),
      ),
    ),
  );
}

function trendCard(): HTMLElement {
  const canvas = h('canvas', { id: 'trend-chart', height: 90 }) as HTMLCanvasElement;
  const card = h(
    'section',
    { class: 'card' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, tr('trend')),
      h(
        'button',
        { class: 'csv', onclick: () => void csv('/kpi/trend?months=12', 'xu-huong') },
        tr('downloadCsv'),
      ),
    ),
    canvas,
  );
  queueMicrotask(() => drawTrend(canvas));
  return card;
}

function drawTrend(canvas: HTMLCanvasElement): void {
  chart?.destroy();
  const points = state.trend?.months ?? [];
  chart = new Chart(canvas, {
    type: 'bar',
    data: {
      labels: points.map((p) => p.month),
      datasets: [
        {
          type: 'line',
          label: tr('share'),
          data: points.map((p) => (p.share === null ? null : Math.round(p.share * 1000) / 10)),
          borderColor: '#1565c0',
          backgroundColor: '#1565c0',
          yAxisID: 'y',
          spanGaps: true,
        },
        {
          type: 'line',
          label: `${tr('target')} 80%`,
          data: points.map(() => 80),
          borderColor: '#c62828',
          borderDash: [6, 4],
          pointRadius: 0,
          yAxisID: 'y',
        },
        {
          type: 'bar',
          label: tr('electronic'),
          data: points.map((p) => p.electronic),
          backgroundColor: 'rgba(46,125,50,0.35)',
          yAxisID: 'y1',
          stack: 'docs',
        },
        {
          type: 'bar',
          label: tr('paper'),
          data: points.map((p) => p.paper),
          backgroundColor: 'rgba(120,120,120,0.35)',
          yAxisID: 'y1',
          stack: 'docs',
        },
      ],
    },
    options: {
      animation: false,
      responsive: true,
      scales: {
        y: { min: 0, max: 100, position: 'left', ticks: { callback: (v) => `${v}%` } },
        y1: { position: 'right', beginAtZero: true, stacked: true, grid: { drawOnChartArea: false } },
        x: { stacked: true },
      },
    },
  });
}

async function csv(path: string, name: string): Promise<void> {
  if (!state.session) return;
  const sep = path.includes('?') ? '&' : '?';
  await downloadCsv(
    state.session,
    `${path}${sep}${path.startsWith('/kpi/trend') ? '' : query()}`,
    `${name}.csv`,
  );
}

const COLUMNS: { key: SortKey; label: MessageKey | 'level'; num?: boolean }[] = [
  { key: 'name', label: 'name' },
  { key: 'level', label: 'level' },
  { key: 'share', label: 'share', num: true },
  { key: 'electronicValid', label: 'valid', num: true },
  { key: 'total', label: 'total', num: true },
  { key: 'paper', label: 'paper', num: true },
  { key: 'hasValidCertificate', label: 'hasCert' },
  { key: 'sent', label: 'sent', num: true },
  { key: 'sendFailures', label: 'sendFailures', num: true },
  { key: 'rejected', label: 'rejected', num: true },
  { key: 'acceptedLate', label: 'lateAcceptance', num: true },
];

function sortedRows(rows: AgencyKpiRow[]): AgencyKpiRow[] {
  const { key, dir } = state.sort;
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === y) return a.code.localeCompare(b.code);
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    if (typeof x === 'string' && typeof y === 'string') return dir * x.localeCompare(y, 'vi');
    return dir * (Number(x) - Number(y));
  });
}

function agencyTable(table: AgencyKpiTable): HTMLElement {
  const head = h(
    'tr',
    {},
    ...COLUMNS.map((c) =>
      h(
        'th',
        {
          class: c.num ? 'num sortable' : 'sortable',
          'data-sort': c.key,
          'aria-sort': state.sort.key === c.key ? (state.sort.dir === 1 ? 'ascending' : 'descending') : null,
          onclick: () => {
            state.sort = {
              key: c.key,
              dir: state.sort.key === c.key ? (state.sort.dir === 1 ? -1 : 1) : c.num ? -1 : 1,
            };
            render();
          },
        },
        tr(c.label as MessageKey),
        state.sort.key === c.key ? (state.sort.dir === 1 ? ' ▲' : ' ▼') : '',
      ),
    ),
  );
  const body = sortedRows(table.items).map((r) =>
    h(
      'tr',
      {
        class: `row ${r.shareStatus}`,
        'data-agency': r.code,
        tabindex: 0,
        onclick: () => void openDrill(r.code),
      },
      h('td', { 'data-col': 'name' }, r.name),
      h('td', { 'data-col': 'level' }, levelName(state.lang, r.level)),
      h(
        'td',
        { class: `num status ${r.shareStatus}`, 'data-col': 'share', 'data-value': r.share ?? '' },
        percent(state.lang, r.share),
      ),
      h(
        'td',
        { class: 'num', 'data-col': 'electronicValid', 'data-value': r.electronicValid },
        count(state.lang, r.electronicValid),
      ),
      h('td', { class: 'num', 'data-col': 'total', 'data-value': r.total }, count(state.lang, r.total)),
      h('td', { class: 'num', 'data-col': 'paper', 'data-value': r.paper }, count(state.lang, r.paper)),
      h(
        'td',
        { class: `status ${r.coverageStatus}`, 'data-col': 'hasValidCertificate' },
        r.hasValidCertificate ? tr('yes') : tr('no'),
      ),
      h('td', { class: 'num', 'data-col': 'sent', 'data-value': r.sent }, count(state.lang, r.sent)),
      h('td', { class: 'num', 'data-col': 'sendFailures' }, count(state.lang, r.sendFailures)),
      h('td', { class: 'num', 'data-col': 'rejected' }, count(state.lang, r.rejected)),
      h(
        'td',
        { class: 'num', 'data-col': 'acceptedLate' },
        count(state.lang, r.acceptedLate + r.pendingOverdue),
      ),
    ),
  );
  return h(
    'section',
    { class: 'card' },
    h(
      'div',
      { class: 'card-head' },
      h('h2', {}, tr('agencies')),
      h(
        'div',
        {},
        h(
          'button',
          { class: 'csv', 'data-csv': 'summary', onclick: () => void csv('/kpi/summary', 'kpi-tong-hop') },
          `${tr('downloadCsv')} (${tr('byLevel').toLowerCase()})`,
        ),
        h(
          'button',
          { class: 'csv', 'data-csv': 'agencies', onclick: () => void csv('/kpi/agencies', 'kpi-co-quan') },
          tr('downloadCsv'),
        ),
      ),
    ),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'agencies', 'data-table': 'agencies' },
        h('thead', {}, head),
        h('tbody', {}, ...body),
      ),
    ),
  );
}

function drillView(d: DrillDown): HTMLElement {
  const r = d.row;
  return h(
    'div',
    { class: 'drill-backdrop', onclick: (e: Event) => e.target === e.currentTarget && closeDrill() },
    h(
      'aside',
      { class: 'drill', role: 'dialog', 'aria-label': tr('drillDown'), 'data-drill': d.agency.code },
      h(
        'div',
        { class: 'card-head' },
        h('h2', {}, d.agency.name),
        h('button', { onclick: closeDrill }, tr('close')),
      ),
      h('p', { class: 'muted' }, `${d.agency.code} · ${levelName(state.lang, d.agency.level)}`),
      gauge(r.share, d.summary.exchange.target, r.shareStatus, 'drill-share'),
      h('p', { class: 'detail' }, `${count(state.lang, r.electronicValid)} / ${count(state.lang, r.total)}`),
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, tr('hasCert')),
        h('dd', {}, r.hasValidCertificate ? tr('yes') : tr('no')),
        h('dt', {}, tr('sent')),
        h('dd', {}, count(state.lang, r.sent)),
        h('dt', {}, tr('sendFailures')),
        h('dd', {}, count(state.lang, r.sendFailures)),
        h('dt', {}, tr('rejected')),
        h('dd', {}, count(state.lang, r.rejected)),
        h('dt', {}, tr('verificationFailures')),
        h('dd', {}, count(state.lang, r.verificationFailures)),
        h('dt', {}, tr('issueToAcceptance')),
        h('dd', {}, duration(state.lang, r.medianIssueToAcceptanceMinutes)),
      ),
      h('h3', {}, `${tr('openItems')} (${d.openItems.length})`),
      d.openItems.length
        ? h(
            'table',
            { class: 'open-items' },
            h(
              'tbody',
              {},
              ...d.openItems.map((o) =>
                h(
                  'tr',
                  { 'data-open': o.kind },
                  h('td', {}, tr(`kind_${o.kind}` as MessageKey)),
                  h('td', { class: 'mono' }, o.documentId),
                  h(
                    'td',
                    {},
                    new Date(o.since).toLocaleString(state.lang === 'vi' ? 'vi-VN' : 'en-GB', {
                      timeZone: 'Asia/Ho_Chi_Minh',
                    }),
                  ),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, tr('none')),
    ),
  );
}

function closeDrill(): void {
  state.drill = undefined;
  render();
}

function render(): void {
  const root = document.getElementById('app')!;
  document.documentElement.lang = state.lang;
  root.replaceChildren();
  root.append(header());
  if (!state.session) {
    root.append(loginView());
    return;
  }
  root.append(filters());
  if (state.error) root.append(h('p', { class: 'error', role: 'alert' }, state.error));
  const s = state.summary;
  if (!s || !state.table) {
    root.append(h('p', { class: 'muted' }, tr('loading')));
    return;
  }
  const scope = s.scope.kind === 'province' ? tr('province') : (state.table.items[0]?.name ?? s.scope.agency);
  root.append(
    h('p', { class: 'scope', 'data-scope': s.scope.kind }, `${scope} · ${s.period.from} → ${s.period.to}`),
  );
  root.append(headline(s));
  const lv = levels(s);
  if (lv) root.append(lv);
  root.append(health(s));
  root.append(trendCard());
  root.append(agencyTable(state.table));
  if (state.drill) root.append(drillView(state.drill));
}

render();
void load();
