import type { HistoryEntry, RecipientView } from '../../../schemas/document';
import { agencyName, type Ctx } from '../context';
import { h, when } from '../dom';
import { eventName, statusCode } from '../i18n';

/** One recipient's edXML status as a chip: the code, with its meaning and the agency spelled out. */
export function statusChip(
  ctx: Ctx,
  r: Pick<RecipientView, 'agency' | 'statusCode' | 'recall'>,
): HTMLElement {
  const agency = ctx.agencies.get(r.agency);
  const code = r.recall ?? r.statusCode;
  return h(
    'span',
    {
      class: `chip code-${code}`,
      'data-recipient': r.agency,
      'data-status': code,
      title: `${agencyName(ctx, r.agency)}: ${statusCode(ctx.lang, code)}`,
    },
    `${agency?.shortName ?? r.agency} · ${code}`,
  );
}

/** The history table (who did what, when), shared by outgoing and incoming details. */
export function historyTable(ctx: Ctx, history: HistoryEntry[]): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-label': ctx.t('history') },
    h('h3', {}, ctx.t('history')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'data-table': 'history' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, ctx.t('time')),
            h('th', {}, ctx.t('event')),
            h('th', {}, ctx.t('actor')),
            h('th', {}, ctx.t('comment')),
          ),
        ),
        h(
          'tbody',
          {},
          ...history.map((e) =>
            h(
              'tr',
              { 'data-event': e.event },
              h('td', {}, when(ctx.lang, e.at)),
              h('td', {}, eventName(ctx.lang, e.event)),
              h('td', {}, e.actor),
              h('td', {}, e.comment ?? ''),
            ),
          ),
        ),
      ),
    ),
  );
}

/** A page heading with an optional link back to its list. */
export function pageHead(title: string, ...extra: (HTMLElement | null)[]): HTMLElement {
  return h('div', { class: 'page-head' }, h('h2', {}, title), ...extra);
}
