import { IncomingStates, type InboxDetail } from '../../../schemas/document';
import { DEFAULT_ACCEPT_SLA_HOURS } from '../../../schemas/kpi';
import { getJson } from '../api';
import type { Ctx } from '../context';
import { field, h, when } from '../dom';
import { incomingState } from '../i18n';
import { pageHead } from './common';
import { pager } from './outgoing-list';

const PAGE = 20;

/**
 * "Văn bản đến": received documents, newest first, with the sender, the received time, the verification result
 * and the acceptance clock (the province's default SLA, counted from arrival until the clerk answers).
 */
export async function incomingListPage(ctx: Ctx, query: URLSearchParams): Promise<HTMLElement> {
  const offset = Number(query.get('offset') ?? 0);
  const list = await getJson<{ items: { id: string }[]; total: number }>(
    ctx.session,
    `/inbox?limit=${PAGE}&offset=${offset}`,
  );
  const docs = await Promise.all(
    list.items.map((d) => getJson<InboxDetail>(ctx.session, `/inbox/${encodeURIComponent(d.id)}`)),
  );
  const search = h('input', { type: 'search', name: 'q' }) as HTMLInputElement;
  const stateFilter = h(
    'select',
    { name: 'state' },
    h('option', { value: '' }, ctx.t('allStates')),
    ...IncomingStates.map((s) => h('option', { value: s }, incomingState(ctx.lang, s))),
  ) as HTMLSelectElement;
  const rows = docs.map((d) => row(ctx, d));
  const filter = () => {
    const q = search.value.trim().toLocaleLowerCase('vi');
    docs.forEach((d, i) => {
      const text = `${d.subject} ${d.number}/${d.notation} ${d.from.name}`.toLocaleLowerCase('vi');
      rows[i]!.hidden = (!!stateFilter.value && d.state !== stateFilter.value) || (!!q && !text.includes(q));
    });
  };
  search.addEventListener('input', filter);
  stateFilter.addEventListener('change', filter);
  return h(
    'div',
    { 'data-page': 'incoming' },
    pageHead(ctx.t('incoming')),
    h('div', { class: 'filters' }, field(ctx.t('search'), search), field(ctx.t('state'), stateFilter)),
    docs.length === 0
      ? h('p', { class: 'muted' }, ctx.t('noDocuments'))
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'data-table': 'incoming' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, ctx.t('subject')),
                h('th', {}, ctx.t('from')),
                h('th', {}, ctx.t('receivedAt')),
                h('th', {}, ctx.t('verification')),
                h('th', {}, ctx.t('state')),
                h('th', {}, ctx.t('sla')),
              ),
            ),
            h('tbody', {}, ...rows),
          ),
        ),
    pager(ctx, offset, list.total),
  );
}

export function verificationBadge(ctx: Ctx, d: InboxDetail): HTMLElement {
  const v = d.verification;
  const [cls, text] = !v
    ? ['pending', ctx.t('pending')]
    : v.ok
      ? ['ok', ctx.t('verified')]
      : ['bad', ctx.t('notVerified')];
  return h('span', { class: `badge ${cls}`, 'data-verification': cls, title: v?.reason ?? '' }, text);
}

/** Hours left to answer (or past the deadline) while the clerk has not accepted or rejected. */
function slaClock(ctx: Ctx, d: InboxDetail): HTMLElement {
  if (d.state !== 'RECEIVED') return h('span', { class: 'muted' }, '—');
  const due = Date.parse(d.receivedAt) + DEFAULT_ACCEPT_SLA_HOURS * 3_600_000;
  const hours = Math.round(((due - Date.now()) / 3_600_000) * 10) / 10;
  return hours >= 0
    ? h('span', { 'data-sla': 'open' }, ctx.t('hoursLeft', { n: hours }))
    : h('span', { class: 'late', 'data-sla': 'late' }, ctx.t('hoursLate', { n: -hours }));
}

function row(ctx: Ctx, d: InboxDetail): HTMLElement {
  return h(
    'tr',
    { 'data-document': d.id, 'data-state': d.state, 'data-status': d.statusCode },
    h(
      'td',
      {},
      h('a', { href: `#/incoming/${encodeURIComponent(d.id)}` }, d.subject),
      h('div', { class: 'muted' }, `${d.number}/${d.notation}`),
    ),
    h('td', {}, d.from.name),
    h('td', {}, when(ctx.lang, d.receivedAt)),
    h('td', {}, verificationBadge(ctx, d)),
    h('td', {}, `${d.statusCode} · ${incomingState(ctx.lang, d.state)}`),
    h('td', {}, slaClock(ctx, d)),
  );
}
