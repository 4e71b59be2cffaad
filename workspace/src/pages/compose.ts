import { DocumentTypes, type DraftForm } from '../../../schemas/document';
import type { Agency } from '../../../schemas/identity';
import { postJson } from '../api';
import type { Ctx } from '../context';
import { field, h } from '../dom';
import { priorities } from '../i18n';
import { pageHead } from './common';

/**
 * "Soạn văn bản": a new draft with its metadata and either its PDF, sent as one multipart request (the file part is
 * streamed by the API, not base64 in JSON), or the fields of the Decree 30 template ("Soạn theo mẫu"), from which the
 * API lays out the document. "Nơi nhận" is the agency tree: the province, then each level below it, every agency a
 * checkbox labelled with its name, filtered by a search box.
 */
export function composePage(ctx: Ctx): HTMLElement {
  const type = h(
    'select',
    { name: 'type', required: true },
    ...Object.entries(DocumentTypes).map(([code, dt]) => h('option', { value: code }, dt.name)),
  ) as HTMLSelectElement;
  const subject = h('textarea', {
    name: 'subject',
    rows: 3,
    required: true,
    maxlength: 1000,
  }) as HTMLTextAreaElement;
  const priority = h(
    'select',
    { name: 'priority' },
    ...priorities(ctx.lang).map((p, i) => h('option', { value: i }, p)),
  ) as HTMLSelectElement;
  const dueDate = h('input', { type: 'date', name: 'dueDate' }) as HTMLInputElement;
  const file = h('input', {
    type: 'file',
    name: 'file',
    accept: 'application/pdf,.pdf',
    required: true,
  }) as HTMLInputElement;
  const tree = recipientTree(ctx);
  const template = templateFields(ctx);
  const message = h('p', { class: 'form-error', role: 'alert' });
  const how = (value: 'file' | 'template', label: string, checked: boolean) =>
    h('label', {}, h('input', { type: 'radio', name: 'how', value, checked }), ` ${label}`);
  const choice = h(
    'fieldset',
    { class: 'how' },
    h('legend', {}, ctx.t('draftHow')),
    how('file', ctx.t('fromFile'), true),
    how('template', ctx.t('fromTemplate'), false),
  );
  const fileField = field(ctx.t('pdfFile'), file);
  const fromTemplate = () => choice.querySelector<HTMLInputElement>('input[value=template]')!.checked;
  const showChoice = () => {
    fileField.hidden = fromTemplate();
    file.required = !fromTemplate();
    template.element.hidden = !fromTemplate();
  };
  choice.addEventListener('change', showChoice);
  showChoice();

  const form = h(
    'form',
    { class: 'card', 'data-page': 'compose' },
    pageHead(ctx.t('compose')),
    h(
      'div',
      { class: 'grid2' },
      h(
        'div',
        {},
        field(ctx.t('type'), type),
        field(ctx.t('subject'), subject),
        field(ctx.t('priority'), priority),
        field(ctx.t('dueDate'), dueDate),
        choice,
        fileField,
        template.element,
      ),
      tree.element,
    ),
    message,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, ctx.t('saveDraft')),
      h('button', { type: 'button', onclick: () => ctx.navigate('#/outgoing') }, ctx.t('cancel')),
    ),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const recipients = tree.selected();
    const pdf = file.files?.[0];
    if (recipients.length === 0) return void (message.textContent = ctx.t('chooseRecipient'));
    let body: FormData | Record<string, unknown>;
    if (fromTemplate()) {
      const draft = template.value();
      if (!draft) return void (message.textContent = ctx.t('needBody'));
      body = {
        type: type.value,
        subject: subject.value.trim(),
        priority: Number(priority.value),
        ...(dueDate.value ? { dueDate: dueDate.value } : {}),
        recipients,
        form: draft,
      };
    } else {
      if (!pdf) return void (message.textContent = ctx.t('choosePdf'));
      body = new FormData();
      body.append('type', type.value);
      body.append('subject', subject.value.trim());
      body.append('priority', priority.value);
      if (dueDate.value) body.append('dueDate', dueDate.value);
      for (const r of recipients) body.append('recipients', r);
      body.append('file', pdf, pdf.name);
    }
    const button = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    button.disabled = true;
    postJson<{ id: string }>(ctx.session, '/documents', body)
      .then((created) => {
        ctx.notify(ctx.t('saved'), 'ok');
        ctx.navigate(`#/outgoing/${encodeURIComponent(created.id)}`);
      })
      .catch((err: unknown) => {
        button.disabled = false;
        message.textContent = ctx.t('error', { message: (err as Error).message });
      });
  });
  return form;
}

/** The template's own fields: body paragraphs and the signature block (the API fills in the rest). */
function templateFields(ctx: Ctx): { element: HTMLElement; value(): DraftForm | undefined } {
  const body = h('textarea', { name: 'body', rows: 8, maxlength: 20000 }) as HTMLTextAreaElement;
  const competence = h('input', { name: 'competence', maxlength: 100 }) as HTMLInputElement;
  const position = h('input', { name: 'position', maxlength: 100 }) as HTMLInputElement;
  const fullName = h('input', { name: 'fullName', maxlength: 100 }) as HTMLInputElement;
  const element = h(
    'div',
    { class: 'template' },
    field(ctx.t('bodyText'), body, ctx.t('bodyHint')),
    field(ctx.t('competence'), competence, ctx.t('competenceHint')),
    field(ctx.t('signerPosition'), position),
    field(ctx.t('signerName'), fullName),
  );
  const value = (): DraftForm | undefined => {
    const paragraphs = body.value
      .split(/\n\s*\n/)
      .map((p) => p.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
    if (!paragraphs.length || !position.value.trim() || !fullName.value.trim()) return undefined;
    return {
      body: paragraphs,
      signature: {
        ...(competence.value.trim() ? { competence: competence.value.trim() } : {}),
        position: position.value.trim(),
        fullName: fullName.value.trim(),
      },
    };
  };
  return { element, value };
}

/** The agencies by parent, the caller's own agency left out (a document is not sent to oneself). */
function recipientTree(ctx: Ctx): { element: HTMLElement; selected(): string[] } {
  const agencies = [...ctx.agencies.values()].filter(
    (a) => a.active !== false && a.code !== ctx.session.user.agency,
  );
  const children = new Map<string | null, Agency[]>();
  for (const a of agencies) {
    const parent = a.parent && ctx.agencies.has(a.parent) ? a.parent : null;
    children.set(parent, [...(children.get(parent) ?? []), a]);
  }
  const boxes: HTMLInputElement[] = [];
  const branch = (parent: string | null): HTMLElement | null => {
    const list = children.get(parent);
    if (!list?.length) return null;
    return h(
      'ul',
      {},
      ...list.map((a) => {
        const box = h('input', { type: 'checkbox', value: a.code, name: 'recipients' }) as HTMLInputElement;
        boxes.push(box);
        const label = h('label', {}, box, ` ${a.name}`);
        return h(
          'li',
          { 'data-agency': a.code, 'data-search': a.name.toLocaleLowerCase('vi') },
          label,
          branch(a.code),
        );
      }),
    );
  };
  // Agencies whose parent is outside the list (the caller's own parent) hang at the top level.
  const ownChildren = children.get(ctx.session.user.agency);
  if (ownChildren) children.set(null, [...(children.get(null) ?? []), ...ownChildren]);
  const search = h('input', { type: 'search' }) as HTMLInputElement;
  const root = h('div', { class: 'tree' }, branch(null));
  search.addEventListener('input', () => {
    const q = search.value.trim().toLocaleLowerCase('vi');
    for (const li of root.querySelectorAll<HTMLElement>('li'))
      li.hidden =
        !!q && !li.dataset.search!.includes(q) && !li.querySelector(`li[data-search*="${CSS.escape(q)}"]`);
  });
  const element = h(
    'fieldset',
    { class: 'recipients' },
    h('legend', {}, ctx.t('recipients')),
    field(ctx.t('searchAgencies'), search),
    root,
  );
  return { element, selected: () => boxes.filter((b) => b.checked).map((b) => b.value) };
}
