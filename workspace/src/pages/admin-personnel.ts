import type { PersonnelChange } from '../../../schemas/pki';
import { getJson, postJson } from '../api';
import type { Ctx } from '../context';
import { field, h } from '../dom';

const L = {
  vi: {
    title: 'Báo thay đổi nhân sự lãnh đạo',
    explain:
      'Khi người ký thôi giữ chức vụ: chứng thư cá nhân của người đó bị thu hồi, văn bản đang chờ người đó duyệt hoặc ký được chuyển cho người kế nhiệm.',
    leaver: 'Người thôi giữ chức vụ (tên đăng nhập)',
    successor: 'Người kế nhiệm (tên đăng nhập)',
    note: 'Ghi chú',
    save: 'Ghi nhận thay đổi',
    running: 'Đang thực hiện thay đổi {id}…',
    done: 'Đã thực hiện: thu hồi {serials} chứng thư, chuyển {docs} văn bản',
  },
  en: {
    title: 'Report a leadership change',
    explain:
      'When a signer leaves: their personal certificates are revoked, and documents waiting on them are re-routed to the successor.',
    leaver: 'Leaver (username)',
    successor: 'Successor (username)',
    note: 'Note',
    save: 'Record the change',
    running: 'Carrying out change {id}…',
    done: 'Done: {serials} certificates revoked, {docs} documents re-routed',
  },
};

/**
 * A personnel change (a leader leaves, a successor takes over). The API runs it as a workflow: the page follows it
 * until it is carried out and then says what it did.
 */
export function personnelTab(ctx: Ctx): HTMLElement {
  const l = L[ctx.lang];
  const leaver = h('input', { required: true, autocomplete: 'off' }) as HTMLInputElement;
  const successor = h('input', { autocomplete: 'off' }) as HTMLInputElement;
  const note = h('input', {}) as HTMLInputElement;
  const result = h('p', { role: 'status', 'data-personnel-result': '' });
  const form = h(
    'form',
    { class: 'card', 'data-tab': 'personnel' },
    h('h3', {}, l.title),
    h('p', { class: 'muted' }, l.explain),
    h('div', { class: 'grid2' }, field(l.leaver, leaver), field(l.successor, successor), field(l.note, note)),
    result,
    h('button', { type: 'submit', class: 'primary' }, l.save),
  );
  const report = (c: PersonnelChange) =>
    (result.textContent = l.done
      .replace('{serials}', String(c.revokedSerials.length))
      .replace('{docs}', String(c.reroutedDocuments)));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void (async () => {
      let change = await postJson<PersonnelChange | { id: string; status: 'running' }>(
        ctx.session,
        '/pki/personnel-changes',
        {
          leaver: leaver.value.trim(),
          ...(successor.value.trim() ? { successor: successor.value.trim() } : {}),
          ...(note.value.trim() ? { note: note.value.trim() } : {}),
        },
      );
      for (let i = 0; i < 60 && 'status' in change; i++) {
        result.textContent = l.running.replace('{id}', change.id);
        await new Promise((r) => setTimeout(r, 1000));
        change = await getJson(ctx.session, `/pki/personnel-changes/${encodeURIComponent(change.id)}`);
      }
      if (!('status' in change)) report(change);
    })().catch((err: Error) => ctx.notify(ctx.t('error', { message: err.message }), 'error'));
  });
  return form;
}
