import type { PdfVerificationReport, SignatureReport } from '../../../pdf/verify/report';
import type { VerificationSummary } from '../../../schemas/document';
import type { Ctx } from '../context';
import { h, when } from '../dom';
import { indication } from '../i18n';

/** One attribute of an RFC 4514 distinguished name (`CN=…,O=…`), commas inside values escaped. */
function rdn(dn: string | undefined, attr: string): string | undefined {
  if (!dn) return undefined;
  for (const part of dn.split(/(?<!\\),/)) {
    const [k, ...v] = part.split('=');
    if (k?.trim().toUpperCase() === attr) return v.join('=').replace(/\\(.)/g, '$1').trim();
  }
  return undefined;
}

/**
 * The receipt's verification report made readable: the overall verdict, then per signature who signed, for which
 * organisation, when, the result in plain words, the certificate path, its revocation and any change made after
 * signing; then the Decree 30 layout check (personal signature first, the agency's after it).
 */
export function verificationReport(ctx: Ctx, v: VerificationSummary | undefined): HTMLElement {
  const section = h(
    'section',
    { class: 'card', 'aria-label': ctx.t('report'), 'data-section': 'verification' },
    h('h3', {}, ctx.t('report')),
  );
  if (!v) {
    section.append(h('p', { class: 'muted' }, ctx.t('pending')));
    return section;
  }
  section.dataset.ok = String(v.ok);
  section.append(
    h(
      'p',
      { class: `verdict ${v.ok ? 'ok' : 'bad'}`, 'data-verdict': v.ok ? 'ok' : 'bad' },
      `${v.ok ? ctx.t('verified') : ctx.t('notVerified')} — ${when(ctx.lang, v.checkedAt)}`,
      v.reason ? h('div', {}, v.reason) : null,
    ),
  );
  const report = v.report as PdfVerificationReport | undefined;
  if (!report) return section;
  report.signatures.forEach((s, i) => section.append(signature(ctx, s, i + 1)));
  if (report.decree30) {
    const d = report.decree30;
    section.append(
      h(
        'div',
        { class: 'signature', 'data-decree30': String(d.valid) },
        h('h4', {}, ctx.t('decree30')),
        h('p', { class: d.valid ? 'ok' : 'bad' }, d.valid ? ctx.t('decree30Ok') : ctx.t('decree30Bad')),
        ...d.messages.map((m) => h('p', { class: 'muted' }, m)),
      ),
    );
  }
  return section;
}

function signature(ctx: Ctx, s: SignatureReport, n: number): HTMLElement {
  const path = s.certificatePath?.atValidationTime ?? s.certificatePath?.atSigningTime;
  const revoked = path?.revocation;
  const item = (label: string, value: string | HTMLElement) =>
    h('div', {}, h('dt', {}, label), h('dd', {}, value));
  const role =
    s.role === 'personal' ? ctx.t('personal') : s.role === 'organisation' ? ctx.t('organisationRole') : '';
  return h(
    'div',
    { class: 'signature', 'data-signature': n, 'data-indication': s.indication },
    h('h4', {}, `${ctx.t('signature', { n })}${role ? ` — ${role}` : ''}`),
    h(
      'dl',
      { class: 'meta' },
      item(ctx.t('signer'), rdn(s.signer, 'CN') ?? s.signer ?? '—'),
      item(ctx.t('organisation'), rdn(s.signer, 'O') ?? '—'),
      item(ctx.t('signingTime'), when(ctx.lang, s.signingTime)),
      item(
        ctx.t('indication'),
        h('span', { class: s.valid ? 'ok' : 'bad' }, indication(ctx.lang, s.indication, s.subIndication)),
      ),
      item(
        ctx.t('certificatePath'),
        path ? path.path.map((dn) => rdn(dn, 'CN') ?? dn).join(' → ') || path.message : '—',
      ),
      item(
        ctx.t('revocation'),
        revoked ? ctx.t('revokedOn', { date: when(ctx.lang, revoked.date) }) : ctx.t('notRevoked'),
      ),
      item(
        ctx.t('changes'),
        s.changesAfterSigning.length === 0
          ? ctx.t('noChanges')
          : h(
              'ul',
              {},
              ...s.changesAfterSigning.map((c) => h('li', { class: c.allowed ? '' : 'bad' }, c.detail)),
            ),
      ),
    ),
    s.valid ? null : h('ul', { class: 'muted' }, ...s.messages.map((m) => h('li', {}, m))),
  );
}
