import { DocumentStates, DocumentTypes, type DocumentDetail } from '../../../schemas/document';
import { getJson } from '../api';
import { hasRole, type Ctx } from '../context';
import { field, h, when } from '../dom';
import { outgoingState } from '../i18n';
import { pageHead, statusChip } from './common';

const PAGE = 20;

/**
 * "Văn bản đi": the agency's outgoing documents, newest first, with each recipient's status code. The list
 * endpoint answers summaries; the recipients come from each document's detail (a lookup by id, cheap).
 */
export async function outgoingListPage(ctx: Ctx, query: URLSearchParams): Promise<HTMLElement> {
  const offset = Number(query.get('offset') ?? 0);
  const list = await getJson<{ items: { id: string }[]; total: number }>(
    ctx.session,
    `/documents?limit=${PAGE}&offset=${offset}`,
  );
  const docs = await Promise.all(
    list.items.map((d) => getJson<DocumentDetail>(ctx.session, `/documents/${encodeURIComponent(d.id)}`)),
  );

  const search = h('input', { type: 'search', name: 'q' }) as HTMLInputElement;
  const stateFilter = h(
    'select',
    { name: 'state' },
    h('option', { value: '' }, ctx.t('allStates')),
    ...DocumentStates.map((s) => h('option', { value: s }, outgoingState(ctx.lang, s))),
  ) as HTMLSelectElement;
  const rows = docs.map((d) => row(ctx, d));
  const tbody = h('tbody', {}, ...rows);
  const filter = () => {
    const q = search.value.trim().toLocaleLowerCase('vi');
    docs.forEach((d, i) => {
      const text = `${d.subject} ${d.number ?? ''} ${d.notation ?? ''}`.toLocaleLowerCase('vi');
      rows[i]!.hidden = (!!stateFilter.value && d.state !== stateFilter.value) || (!!q && !text.includes(q));
    });
  };
  search.addEventListener('input', filter);
  stateFilter.addEventListener('change', filter);

  const compose = hasRole(ctx, 'drafter')
    ? h(
        'button',
        { type: 'button', class: 'primary', onclick: () => ctx.navigate('#/outgoing/new') },
        ctx.t('compose'),
      )
    : null;
  return h(
    'div',
    { 'data-page': 'outgoing' },
    pageHead(ctx.t('outgoing'), compose),
    h('div', { class: 'filters' }, field(ctx.t('search'), search), field(ctx.t('state'), stateFilter)),
    docs.length === 0
      ? h('p', { class: 'muted' }, ctx.t('noDocuments'))
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'data-table': 'outgoing' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, ctx.t('subject')),
                h('th', {}, ctx.t('number')),
                h('th', {}, ctx.t('state')),
                h('th', {}, ctx.t('recipients')),
                h('th', {}, ctx.t('createdAt')),
              ),
            ),
            tbody,
          ),
        ),
    pager(ctx, offset, list.total),
  );
}

function row(ctx: Ctx, d: DocumentDetail): HTMLElement {
  const href = `#/outgoing/${encodeURIComponent(d.id)}`;
  return h(
    'tr',
    { 'data-document': d.id, 'data-state': d.state },
    h(
      'td',
      {},
      h('a', { href }, d.subject),
      h('div', { class: 'muted' }, DocumentTypes[d.type]?.name ?? d.type),
    ),
    h('td', { 'data-col': 'number' }, d.number !== undefined ? `${d.number}/${d.notation ?? ''}` : '—'),
    h('td', { 'data-col': 'state' }, outgoingState(ctx.lang, d.state)),
    h('td', { 'data-col': 'recipients' }, ...d.recipients.map((r) => statusChip(ctx, r))),
    h('td', {}, when(ctx.lang, d.createdAt)),
  );
}

export function pager(ctx: Ctx, offset: number, total: number): HTMLElement | null {
  if (total <= PAGE) return null;
  const base = location.hash.split('?')[0];
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'pager' },
    offset > 0 ? h('a', { href: `${base}?offset=${Math.max(0, offset - PAGE)}` }, ctx.t('previous')) : null,
    h('span', {}, `${offset + 1}–${Math.min(total, offset + PAGE)} / ${total}`),
    offset + PAGE < total ? h('a', { href: `${base}?offset=${offset + PAGE}` }, ctx.t('next')) : null,
  );
}
