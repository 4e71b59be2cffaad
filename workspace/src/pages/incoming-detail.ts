import type { InboxDetail } from '../../../schemas/document';
import type { IncomingCommand } from '../../../exchange/incoming-commands';
import { getJson, postJson } from '../api';
import { act, type Ctx } from '../context';
import { field, h, when } from '../dom';
import { incomingState, type MessageKey } from '../i18n';
import { mayIncoming } from '../permissions';
import { historyTable, pageHead } from './common';
import { verificationBadge } from './incoming-list';
import { pdfView } from './pdf-view';
import { verificationReport } from './verification-report';

/** Buttons of a received document and what each sends; `reason` steps read the "Lý do" field. */
const BUTTONS: { cmd: IncomingCommand; label: MessageKey; path: string; reason?: true; primary?: true }[] = [
  { cmd: 'accept', label: 'accept', path: 'accept', primary: true },
  { cmd: 'reject', label: 'refuse', path: 'reject', reason: true },
  { cmd: 'process', label: 'process', path: 'process', primary: true },
  { cmd: 'complete', label: 'complete', path: 'complete', primary: true },
  { cmd: 'agreeRecall', label: 'agreeRecall', path: 'recall/agree' },
  { cmd: 'refuseRecall', label: 'refuseRecall', path: 'recall/refuse', reason: true },
];

/** One received document: notices, the clerk's and assignee's steps, the verification report and the PDF. */
export async function incomingDetailPage(ctx: Ctx, id: string): Promise<HTMLElement> {
  const path = `/inbox/${encodeURIComponent(id)}`;
  const doc = await getJson<InboxDetail>(ctx.session, path);
  return h(
    'div',
    {
      'data-page': 'incoming-detail',
      'data-document': doc.id,
      'data-state': doc.state,
      'data-status': doc.statusCode,
    },
    pageHead(doc.subject, h('a', { href: '#/incoming' }, ctx.t('back'))),
    ...notices(ctx, doc),
    h(
      'div',
      { class: 'detail-grid' },
      h('div', {}, metadata(ctx, doc), actions(ctx, doc, path), verificationReport(ctx, doc.verification)),
      doc.file ? pdfView(ctx, `${path}/file`) : h('div'),
    ),
    historyTable(ctx, doc.history),
  );
}

function notices(ctx: Ctx, doc: InboxDetail): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (doc.recall)
    out.push(
      h(
        'p',
        { class: 'notice', role: 'status', 'data-notice': 'recall' },
        ctx.t('recallNotice', { reason: doc.recall.reason }),
      ),
    );
  if (doc.supersededBy)
    out.push(
      h(
        'p',
        { class: 'notice', 'data-notice': 'superseded' },
        ctx.t('supersededNotice', { id: '' }),
        h('a', { href: `#/incoming/${encodeURIComponent(doc.supersededBy.id)}` }, doc.supersededBy.id),
      ),
    );
  if (doc.state === 'REJECTED' && doc.reason)
    out.push(h('p', { class: 'notice' }, ctx.t('rejectedReason', { reason: doc.reason })));
  return out;
}

function metadata(ctx: Ctx, doc: InboxDetail): HTMLElement {
  const row = (k: string, v: string | HTMLElement) => h('div', {}, h('dt', {}, k), h('dd', {}, v));
  return h(
    'section',
    { class: 'card' },
    h(
      'dl',
      { class: 'meta' },
      row(ctx.t('from'), doc.from.name),
      row(ctx.t('number'), `${doc.number}/${doc.notation}`),
      row(ctx.t('receivedAt'), when(ctx.lang, doc.receivedAt)),
      row(ctx.t('state'), `${doc.statusCode} · ${incomingState(ctx.lang, doc.state)}`),
      row(ctx.t('verification'), verificationBadge(ctx, doc)),
      row(ctx.t('assignee'), doc.assignee ?? '—'),
    ),
  );
}

function actions(ctx: Ctx, doc: InboxDetail, path: string): HTMLElement {
  const user = ctx.session.user;
  const allowed = BUTTONS.filter((b) => mayIncoming(user, doc, b.cmd));
  const mayAssign = mayIncoming(user, doc, 'assign');
  const section = h(
    'section',
    { class: 'card', 'aria-label': ctx.t('actions') },
    h('h3', {}, ctx.t('actions')),
  );
  if (allowed.length === 0 && !mayAssign) {
    section.append(h('p', { class: 'muted' }, ctx.t('noActions')));
    return section;
  }
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 2000 }) as HTMLTextAreaElement;
  const buttons = allowed.map((b) =>
    h(
      'button',
      {
        type: 'button',
        class: b.primary ? 'primary' : b.reason ? 'danger' : '',
        'data-action': b.cmd,
        onclick: async (e: Event) => {
          const text = reason.value.trim();
          if (b.reason && !text) {
            ctx.notify(ctx.t('error', { message: `${ctx.t('reason')}?` }), 'error');
            reason.focus();
            return;
          }
          (e.currentTarget as HTMLButtonElement).disabled = true;
          await act(ctx, ctx.t(b.label), () =>
            postJson(ctx.session, `${path}/${b.path}`, b.reason ? { reason: text } : {}),
          );
        },
      },
      ctx.t(b.label),
    ),
  );
  section.append(h('div', { class: 'actions' }, ...buttons));
  if (allowed.some((b) => b.reason)) section.append(field(ctx.t('reason'), reason));
  if (mayAssign) {
    const assignee = h('input', {
      name: 'assignee',
      autocomplete: 'off',
      value: doc.assignee ?? '',
    }) as HTMLInputElement;
    section.append(
      h(
        'div',
        { class: 'inline' },
        field(ctx.t('assignee'), assignee, ctx.t('username')),
        h(
          'button',
          {
            type: 'button',
            'data-action': 'assign',
            onclick: () =>
              assignee.value.trim()
                ? act(ctx, ctx.t('assign'), () =>
                    postJson(ctx.session, `${path}/assign`, { username: assignee.value.trim() }),
                  )
                : assignee.focus(),
          },
          ctx.t('assign'),
        ),
      ),
    );
  }
  return section;
}
