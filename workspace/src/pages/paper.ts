import { DocumentTypes } from '../../../schemas/document';
import type { PaperDocument } from '../../../schemas/paper-document';
import { getJson, postJson } from '../api';
import { act, agencyName, type Ctx } from '../context';
import { field, h } from '../dom';
import { pageHead } from './common';

const L = {
  vi: {
    title: 'Sổ văn bản giấy',
    register: 'Vào sổ văn bản giấy',
    direction: 'Sổ',
    sent: 'Văn bản đi (giấy)',
    received: 'Văn bản đến (giấy)',
    fromAgency: 'Cơ quan ban hành',
    toAgency: 'Cơ quan nhận',
    number: 'Số',
    notation: 'Ký hiệu',
    date: 'Ngày ban hành',
    alsoElectronic: 'Đồng thời gửi điện tử',
    save: 'Vào sổ',
  },
  en: {
    title: 'Paper register',
    register: 'Register a paper document',
    direction: 'Register',
    sent: 'Sent (paper)',
    received: 'Received (paper)',
    fromAgency: 'Issuing agency',
    toAgency: 'Recipient agency',
    number: 'Number',
    notation: 'Notation',
    date: 'Date',
    alsoElectronic: 'Also sent electronically',
    save: 'Register',
  },
};

/** The clerk's paper registers (sent and received) and the form that records a paper document. */
export async function paperPage(ctx: Ctx): Promise<HTMLElement> {
  const l = L[ctx.lang];
  const list = await getJson<{ items: PaperDocument[] }>(ctx.session, '/paper-documents');
  return h(
    'div',
    { 'data-page': 'paper' },
    pageHead(l.title),
    registerForm(ctx),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { 'data-table': 'paper' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ...[
              l.direction,
              `${l.number}, ${l.notation}`,
              l.date,
              ctx.t('subject'),
              l.fromAgency,
              l.toAgency,
            ].map((x) => h('th', {}, x)),
          ),
        ),
        h(
          'tbody',
          {},
          ...list.items.map((p) =>
            h(
              'tr',
              { 'data-paper': p.id },
              h('td', {}, p.direction === 'sent' ? l.sent : l.received),
              h('td', {}, `${p.number}/${p.notation}`),
              h('td', {}, p.date),
              h('td', {}, p.subject, h('div', { class: 'muted' }, DocumentTypes[p.type]?.name ?? p.type)),
              h('td', {}, p.fromName ?? agencyName(ctx, p.from)),
              h('td', {}, p.to.map((c) => agencyName(ctx, c)).join('; ')),
            ),
          ),
        ),
      ),
    ),
  );
}

function registerForm(ctx: Ctx): HTMLElement {
  const l = L[ctx.lang];
  const own = ctx.session.user.agency;
  const agencies = [...ctx.agencies.values()];
  const select = (selected: string) =>
    h(
      'select',
      {},
      ...agencies.map((a) => h('option', { value: a.code, selected: a.code === selected }, a.name)),
    ) as HTMLSelectElement;
  const direction = h(
    'select',
    {},
    h('option', { value: 'sent' }, l.sent),
    h('option', { value: 'received' }, l.received),
  ) as HTMLSelectElement;
  const from = select(own);
  const to = select(agencies.find((a) => a.code !== own)?.code ?? '');
  const number = h('input', { type: 'number', min: 1, required: true }) as HTMLInputElement;
  const notation = h('input', { required: true }) as HTMLInputElement;
  const date = h('input', { type: 'date', required: true }) as HTMLInputElement;
  const type = h(
    'select',
    {},
    ...Object.entries(DocumentTypes).map(([c, t]) => h('option', { value: c }, t.name)),
  ) as HTMLSelectElement;
  const subject = h('input', { required: true }) as HTMLInputElement;
  const electronic = h('input', { type: 'checkbox' }) as HTMLInputElement;
  const form = h(
    'form',
    { class: 'card' },
    h('h3', {}, l.register),
    h(
      'div',
      { class: 'grid2' },
      field(l.direction, direction),
      field(ctx.t('type'), type),
      field(l.fromAgency, from),
      field(l.toAgency, to),
      field(l.number, number),
      field(l.notation, notation),
      field(l.date, date),
      field(ctx.t('subject'), subject),
    ),
    h('label', { class: 'check' }, electronic, ` ${l.alsoElectronic}`),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, l.save)),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void act(ctx, l.save, () =>
      postJson(ctx.session, '/paper-documents', {
        direction: direction.value,
        from: from.value,
        to: to.value,
        number: Number(number.value),
        notation: notation.value.trim(),
        date: date.value,
        type: type.value,
        subject: subject.value.trim(),
        alsoElectronic: electronic.checked,
      }),
    );
  });
  return form;
}
