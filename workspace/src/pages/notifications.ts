import type { Notification } from '../../../schemas/document';
import { getJson, postJson } from '../api';
import { act, type Ctx } from '../context';
import { h, when } from '../dom';
import { pageHead } from './common';

/** The user's notices (a document they hold was recalled or superseded), newest first, each markable as read. */
export async function notificationsPage(ctx: Ctx): Promise<HTMLElement> {
  const list = await getJson<{ items: Notification[]; unread: number }>(ctx.session, '/notifications');
  return h(
    'div',
    { 'data-page': 'notifications' },
    pageHead(`${ctx.t('notifications')} (${list.unread} ${ctx.t('unread')})`),
    list.items.length === 0
      ? h('p', { class: 'muted' }, ctx.t('noNotifications'))
      : h(
          'ul',
          { class: 'notifications' },
          ...list.items.map((n) =>
            h(
              'li',
              { class: n.read ? 'read' : 'unread', 'data-notification': n.id },
              h('div', {}, h('a', { href: `#/incoming/${encodeURIComponent(n.documentId)}` }, n.message)),
              h('div', { class: 'muted' }, when(ctx.lang, n.at)),
              n.read
                ? null
                : h(
                    'button',
                    {
                      type: 'button',
                      onclick: () =>
                        act(ctx, ctx.t('markRead'), async () => {
                          await postJson(ctx.session, `/notifications/${encodeURIComponent(n.id)}/read`);
                          ctx.reloadNotifications();
                        }),
                    },
                    ctx.t('markRead'),
                  ),
            ),
          ),
        ),
  );
}

/** The unread count for the header. */
export async function unreadCount(ctx: Ctx): Promise<number> {
  return (await getJson<{ unread: number }>(ctx.session, '/notifications?unread=true&limit=1')).unread;
}
