import { REVOCATION_REASON_LABELS } from '../../../kpi/labels';
import type { CertificateRequest, CertificateView } from '../../../schemas/pki';
import { RevocationReasonSchema } from '../../../schemas/pki';
import { download, getJson, postJson } from '../api';
import { act, agencyName, hasRole, type Ctx } from '../context';
import { field, h, when } from '../dom';

const L = {
  vi: {
    requests: 'Yêu cầu cấp chứng thư số',
    newRequest: 'Đăng ký nhu cầu chứng thư số',
    profile: 'Loại chứng thư',
    organisation: 'Chứng thư cơ quan (con dấu)',
    personal: 'Chứng thư cá nhân (người ký)',
    holder: 'Người được cấp (tên đăng nhập)',
    reason: 'Lý do đăng ký',
    send: 'Gửi yêu cầu',
    approve: 'Chấp thuận yêu cầu',
    reject: 'Không chấp thuận',
    issue: 'Cấp chứng thư',
    certificates: 'Chứng thư số',
    subject: 'Chủ thể',
    validity: 'Hiệu lực',
    status: 'Tình trạng',
    active: 'Còn hiệu lực',
    revoked: 'Đã thu hồi',
    chain: 'Tải chuỗi chứng thư',
    revoke: 'Thu hồi chứng thư',
    revocationReason: 'Lý do thu hồi',
    state: 'Trạng thái',
  },
  en: {
    requests: 'Certificate requests',
    newRequest: 'Register a certificate need',
    profile: 'Profile',
    organisation: 'Organisation (seal)',
    personal: 'Personal (signer)',
    holder: 'Holder (username)',
    reason: 'Reason',
    send: 'Send the request',
    approve: 'Approve request',
    reject: 'Reject request',
    issue: 'Issue certificate',
    certificates: 'Certificates',
    subject: 'Subject',
    validity: 'Validity',
    status: 'Status',
    active: 'Active',
    revoked: 'Revoked',
    chain: 'Download chain',
    revoke: 'Revoke certificate',
    revocationReason: 'Revocation reason',
    state: 'State',
  },
};

/**
 * Certificates of the agency (all agencies for the province administrator): requests and their decision and
 * issuance (the province's CA, server-held key), the certificates with their validity, the chain as PEM, and
 * revocation with an RFC 5280 reason.
 */
export async function certificatesTab(ctx: Ctx): Promise<HTMLElement> {
  const l = L[ctx.lang];
  const province = hasRole(ctx, 'province_admin');
  const [requests, certificates] = await Promise.all([
    getJson<{ items: CertificateRequest[] }>(ctx.session, '/pki/requests'),
    getJson<{ items: CertificateView[] }>(ctx.session, '/pki/certificates'),
  ]);
  const button = (label: string, run: () => Promise<unknown>) =>
    h('button', { type: 'button', onclick: () => act(ctx, label, run) }, label);
  const requestRows = requests.items.map((r) =>
    h(
      'tr',
      { 'data-request': r.id, 'data-state': r.state },
      h('td', {}, agencyName(ctx, r.agency)),
      h('td', {}, r.profile === 'organisation' ? l.organisation : `${l.personal}: ${r.username ?? ''}`),
      h(
        'td',
        {},
        r.reason,
        h('div', { class: 'muted' }, `${r.requestedBy} · ${when(ctx.lang, r.requestedAt)}`),
      ),
      h('td', {}, r.state),
      h(
        'td',
        {},
        province && r.state === 'PENDING'
          ? button(l.approve, () => postJson(ctx.session, `/pki/requests/${r.id}/approve`, {}))
          : null,
        province && r.state === 'PENDING'
          ? button(l.reject, () => postJson(ctx.session, `/pki/requests/${r.id}/reject`, {}))
          : null,
        province && r.state === 'APPROVED'
          ? button(l.issue, () =>
              postJson(ctx.session, `/pki/requests/${r.id}/issue`, { keyDelivery: 'server' }),
            )
          : null,
      ),
    ),
  );
  return h(
    'div',
    { 'data-tab': 'certificates' },
    requestForm(ctx),
    h(
      'section',
      { class: 'card' },
      h('h3', {}, l.requests),
      table([ctx.t('agency'), l.profile, l.reason, l.state, ctx.t('actions')], requestRows, 'requests'),
    ),
    h(
      'section',
      { class: 'card' },
      h('h3', {}, l.certificates),
      table(
        [l.subject, l.profile, l.validity, l.status, ctx.t('actions')],
        certificates.items.map((c) => certificateRow(ctx, c)),
        'certificates',
      ),
    ),
  );
}

function table(headers: string[], rows: HTMLElement[], name: string): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-table': name },
      h('thead', {}, h('tr', {}, ...headers.map((x) => h('th', {}, x)))),
      h('tbody', {}, ...rows),
    ),
  );
}

function certificateRow(ctx: Ctx, c: CertificateView): HTMLElement {
  const l = L[ctx.lang];
  const reason = h(
    'select',
    {},
    ...RevocationReasonSchema.options.map((r) =>
      h('option', { value: r }, ctx.lang === 'vi' ? (REVOCATION_REASON_LABELS[r] ?? r) : r),
    ),
  ) as HTMLSelectElement;
  return h(
    'tr',
    { 'data-serial': c.serialHex, 'data-status': c.status },
    h('td', {}, c.subject, h('div', { class: 'muted mono' }, c.serialHex)),
    h('td', {}, c.profile === 'organisation' ? l.organisation : `${l.personal}: ${c.username ?? ''}`),
    h('td', {}, `${when(ctx.lang, c.notBefore)} – ${when(ctx.lang, c.notAfter)}`),
    h(
      'td',
      {},
      c.status === 'active'
        ? l.active
        : `${l.revoked} ${when(ctx.lang, c.revokedAt)} (${ctx.lang === 'vi' ? (REVOCATION_REASON_LABELS[c.revocationReason ?? ''] ?? c.revocationReason ?? '') : (c.revocationReason ?? '')})`,
    ),
    h(
      'td',
      {},
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            download(
              ctx.session,
              `/pki/certificates/${c.serialHex}/download?chain=true`,
              `${c.serialHex}-chain.pem`,
            ),
        },
        l.chain,
      ),
      c.status === 'active'
        ? h(
            'div',
            { class: 'inline' },
            field(`${l.revocationReason} (${c.serialHex.slice(0, 8)})`, reason),
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                onclick: () =>
                  act(ctx, l.revoke, () =>
                    postJson(ctx.session, `/pki/certificates/${c.serialHex}/revoke`, {
                      reason: reason.value,
                    }),
                  ),
              },
              l.revoke,
            ),
          )
        : null,
    ),
  );
}

function requestForm(ctx: Ctx): HTMLElement {
  const l = L[ctx.lang];
  const profile = h(
    'select',
    {},
    h('option', { value: 'organisation' }, l.organisation),
    h('option', { value: 'personal' }, l.personal),
  ) as HTMLSelectElement;
  const holder = h('input', { autocomplete: 'off' }) as HTMLInputElement;
  const reason = h('input', { required: true, minlength: 3 }) as HTMLInputElement;
  const form = h(
    'form',
    { class: 'card' },
    h('h3', {}, l.newRequest),
    h('div', { class: 'grid2' }, field(l.profile, profile), field(l.holder, holder), field(l.reason, reason)),
    h('button', { type: 'submit', class: 'primary' }, l.send),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void act(ctx, l.send, () =>
      postJson(ctx.session, '/pki/requests', {
        profile: profile.value,
        ...(holder.value.trim() ? { username: holder.value.trim() } : {}),
        reason: reason.value.trim(),
      }),
    );
  });
  return form;
}
