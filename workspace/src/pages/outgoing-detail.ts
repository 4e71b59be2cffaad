import { DocumentTypes, type DocumentDetail, type SigningRequest } from '../../../schemas/document';
import type { OutgoingCommand } from '../../../exchange/outgoing-commands';
import { getJson, postJson } from '../api';
import { act, agencyName, type Ctx } from '../context';
import { field, h, when } from '../dom';
import { eventName, outgoingState, priorityName, statusCode, type MessageKey } from '../i18n';
import { mayOutgoing } from '../permissions';
import { historyTable, pageHead, statusChip } from './common';
import { pdfView } from './pdf-view';

/** The buttons of an outgoing document: label, API step, and whether the step needs the "Lý do" field. */
const BUTTONS: { cmd: OutgoingCommand; label: MessageKey; path: string; reason?: true; primary?: true }[] = [
  { cmd: 'submit', label: 'submit', path: 'submit', primary: true },
  { cmd: 'approve', label: 'approve', path: 'approve', primary: true },
  { cmd: 'reject', label: 'reject', path: 'reject', reason: true },
  { cmd: 'sign', label: 'sign', path: 'sign', primary: true },
  { cmd: 'issue', label: 'issue', path: 'issue', primary: true },
  { cmd: 'recall', label: 'recall', path: 'recall', reason: true },
  { cmd: 'withdraw', label: 'withdraw', path: 'withdraw' },
];

/** One outgoing document: metadata, the PDF, the approval flow, recipients, history and the user's actions. */
export async function outgoingDetailPage(ctx: Ctx, id: string): Promise<HTMLElement> {
  const path = `/documents/${encodeURIComponent(id)}`;
  const doc = await getJson<DocumentDetail>(ctx.session, path);
  return h(
    'div',
    { 'data-page': 'outgoing-detail', 'data-document': doc.id, 'data-state': doc.state },
    pageHead(doc.subject, h('a', { href: '#/outgoing' }, ctx.t('back'))),
    h(
      'div',
      { class: 'detail-grid' },
      h('div', {}, metadata(ctx, doc), actions(ctx, doc, path), approvalFlow(ctx, doc), recipients(ctx, doc)),
      pdfView(ctx, `${path}/file`),
    ),
    historyTable(ctx, doc.history),
  );
}

function metadata(ctx: Ctx, doc: DocumentDetail): HTMLElement {
  const row = (k: string, v: string, attr?: string) =>
    h('div', {}, h('dt', {}, k), h('dd', attr ? { [attr]: v } : {}, v));
  return h(
    'section',
    { class: 'card' },
    h(
      'dl',
      { class: 'meta' },
      row(ctx.t('state'), outgoingState(ctx.lang, doc.state)),
      row(ctx.t('type'), DocumentTypes[doc.type]?.name ?? doc.type),
      row(
        ctx.t('number'),
        doc.number !== undefined ? `${doc.number}/${doc.notation ?? ''}` : '—',
        'data-number',
      ),
      row(ctx.t('priority'), priorityName(ctx.lang, doc.priority)),
      row(ctx.t('dueDate'), doc.dueDate ?? '—'),
      row(ctx.t('createdAt'), `${when(ctx.lang, doc.createdAt)} · ${doc.createdBy}`),
    ),
  );
}

/**
 * The steps the user may take now. Steps that need a reason ("Trả lại", "Thu hồi") read the "Lý do" field beside
 * them; an empty reason is refused here with the field focused, before any request.
 */
function actions(ctx: Ctx, doc: DocumentDetail, path: string): HTMLElement {
  const allowed = BUTTONS.filter((b) => mayOutgoing(ctx.session.user, doc, b.cmd));
  const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 2000 }) as HTMLTextAreaElement;
  const section = h(
    'section',
    { class: 'card', 'aria-label': ctx.t('actions') },
    h('h3', {}, ctx.t('actions')),
  );
  if (allowed.length === 0 && !mayOutgoing(ctx.session.user, doc, 'submitSignature')) {
    section.append(h('p', { class: 'muted' }, ctx.t('noActions')));
    return section;
  }
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
  if (mayOutgoing(ctx.session.user, doc, 'requestSigning') || doc.pendingSigner === ctx.session.user.username)
    section.append(deferredSigning(ctx, doc, path));
  return section;
}

/** Deferred signing for token holders: phase one shows what to sign, phase two accepts the signature value. */
function deferredSigning(ctx: Ctx, doc: DocumentDetail, path: string): HTMLElement {
  const box = h('details', { class: 'deferred' }, h('summary', {}, ctx.t('signingRequest')));
  const value = h('textarea', { rows: 3, name: 'signatureValue' }) as HTMLTextAreaElement;
  const show = (req: SigningRequest) =>
    box.append(
      h(
        'dl',
        { class: 'meta' },
        h('div', {}, h('dt', {}, 'hash'), h('dd', {}, `${req.hash} / ${req.keyAlgorithm}`)),
        h('div', {}, h('dt', {}, 'toBeSignedDigest'), h('dd', { class: 'mono' }, req.toBeSignedDigest)),
      ),
      h('pre', { class: 'mono', 'data-to-be-signed': '' }, req.toBeSigned),
      field(ctx.t('signatureValue'), value),
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            act(ctx, ctx.t('submitSignature'), () =>
              postJson(ctx.session, `${path}/signature`, { signatureValue: value.value.trim() }),
            ),
        },
        ctx.t('submitSignature'),
      ),
    );
  const request = () =>
    getJson<SigningRequest>(ctx.session, `${path}/signing-request`)
      .then(show)
      .catch((err: Error) => ctx.notify(ctx.t('error', { message: err.message }), 'error'));
  if (doc.pendingSigner === ctx.session.user.username) {
    box.setAttribute('open', '');
    void request();
  } else
    box.append(
      h(
        'button',
        { type: 'button', onclick: (e: Event) => ((e.currentTarget as HTMLElement).remove(), request()) },
        ctx.t('requestSigning'),
      ),
    );
  return box;
}

/** The flow pinned at submission, the open stage, and every decision so far (who acted when). */
function approvalFlow(ctx: Ctx, doc: DocumentDetail): HTMLElement {
  const decisions = doc.history.filter((e) =>
    /submitted|approved|returned|signed|withdrawn|numbered|escalat/.test(e.event),
  );
  const a = doc.approval;
  return h(
    'section',
    { class: 'card', 'aria-label': ctx.t('approvalFlow'), 'data-section': 'approval' },
    h('h3', {}, ctx.t('approvalFlow')),
    a
      ? h(
          'div',
          {},
          h(
            'p',
            {},
            `${a.flow.name} (v${a.flow.version}) — `,
            ctx.t('stage', { index: a.stage.index + 1, of: a.stage.of, name: a.stage.name }),
          ),
          h('p', {}, `${ctx.t('approvers')}: ${a.approvers.join(', ')}`),
          h(
            'p',
            {},
            `${ctx.t('approvedBy')}: ${a.approvals.join(', ') || '—'} (${a.approvals.length}/${a.required})`,
          ),
          a.deadlineAt
            ? h(
                'p',
                { class: a.overdue ? 'late' : '' },
                `${ctx.t('deadline')}: ${when(ctx.lang, a.deadlineAt)}${a.overdue ? ` — ${ctx.t('overdue')}` : ''}`,
              )
            : null,
        )
      : null,
    h(
      'ol',
      { class: 'timeline' },
      ...decisions.map((e) =>
        h(
          'li',
          { 'data-event': e.event },
          h('strong', {}, e.actor),
          ` — ${eventName(ctx.lang, e.event)} — ${when(ctx.lang, e.at)}`,
          e.comment ? h('div', { class: 'muted' }, e.comment) : null,
        ),
      ),
    ),
  );
}

function recipients(ctx: Ctx, doc: DocumentDetail): HTMLElement {
  return h(
    'section',
    { class: 'card', 'aria-label': ctx.t('recipientStatus') },
    h('h3', {}, ctx.t('recipientStatus')),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'data-table': 'recipients' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, ctx.t('agency')),
            h('th', {}, ctx.t('statusCode')),
            h('th', {}, ctx.t('since')),
          ),
        ),
        h(
          'tbody',
          {},
          ...doc.recipients.map((r) =>
            h(
              'tr',
              { 'data-recipient': r.agency, 'data-status': r.statusCode },
              h('td', {}, agencyName(ctx, r.agency)),
              h(
                'td',
                {},
                statusChip(ctx, { agency: r.agency, statusCode: r.statusCode }),
                ` ${statusCode(ctx.lang, r.statusCode)}`,
                r.reason ? h('div', { class: 'muted' }, r.reason) : null,
                r.recall
                  ? h(
                      'div',
                      { 'data-recall': r.recall },
                      `${r.recall} ${statusCode(ctx.lang, r.recall)}${r.recallReason ? `: ${r.recallReason}` : ''}`,
                    )
                  : null,
              ),
              h('td', {}, when(ctx.lang, r.statusAt)),
            ),
          ),
        ),
      ),
    ),
  );
}
