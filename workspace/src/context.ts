import type { Agency } from '../../schemas/identity';
import type { Session } from './api';
import type { Lang, MessageKey } from './i18n';

/** What every page receives: the language, the signed-in session and the shell's services. */
export interface Ctx {
  lang: Lang;
  session: Session;
  /** Text in the current language. */
  t(key: MessageKey, params?: Record<string, string | number>): string;
  /** Every agency of the directory, by code (loaded once per sign-in). */
  agencies: Map<string, Agency>;
  /** Goes to a route (`#/outgoing/…`) and renders it. */
  navigate(hash: string): void;
  /** Renders the current route again (after an action changed the data). */
  refresh(): void;
  /** Shows a short message in the page's live region (announced by screen readers). */
  notify(text: string, kind?: 'ok' | 'error'): void;
  /** Reloads the unread count in the header. */
  reloadNotifications(): void;
}

export const hasRole = (ctx: Ctx, ...roles: string[]) =>
  ctx.session.user.roles.some((r) => roles.includes(r));

export const agencyName = (ctx: Ctx, code: string) => ctx.agencies.get(code)?.name ?? code;

/** Runs an action, reports the outcome in the live region, and renders the page again on success. */
export async function act(ctx: Ctx, label: string, run: () => Promise<unknown>): Promise<boolean> {
  ctx.notify('');
  try {
    await run();
    ctx.notify(ctx.t('done', { action: label }), 'ok');
    ctx.refresh();
    return true;
  } catch (err) {
    ctx.notify(ctx.t('error', { message: err instanceof Error ? err.message : String(err) }), 'error');
    return false;
  }
}
