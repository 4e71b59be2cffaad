import { ApiError, changePassword, login, type Session } from '../api';
import { field, h } from '../dom';
import { t, type Lang } from '../i18n';

/** The sign-in form: "Tên đăng nhập", "Mật khẩu", "Đăng nhập". */
export function signInPage(lang: Lang, onSignedIn: (s: Session) => void): HTMLElement {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true });
  const password = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const message = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card narrow', 'data-page': 'sign-in' },
    h('h2', {}, t(lang, 'login')),
    field(t(lang, 'username'), username),
    field(t(lang, 'password'), password),
    message,
    h('button', { type: 'submit', class: 'primary' }, t(lang, 'login')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    message.textContent = '';
    login((username as HTMLInputElement).value.trim(), (password as HTMLInputElement).value)
      .then(onSignedIn)
      .catch((err: unknown) => {
        message.textContent =
          err instanceof ApiError && err.status === 429 ? t(lang, 'rateLimited') : t(lang, 'loginFailed');
      });
  });
  queueMicrotask(() => username.focus());
  return form;
}

/** A user whose password was reset sets a new one before anything else (the API refuses every other call). */
export function changePasswordPage(
  lang: Lang,
  session: Session,
  onChanged: (s: Session) => void,
): HTMLElement {
  const input = (autocomplete: string) =>
    h('input', { type: 'password', autocomplete, required: true }) as HTMLInputElement;
  const current = input('current-password');
  const next = input('new-password');
  const again = input('new-password');
  const message = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card narrow', 'data-page': 'change-password' },
    h('h2', {}, t(lang, 'savePassword')),
    h('p', {}, t(lang, 'mustChange')),
    field(t(lang, 'currentPassword'), current),
    field(t(lang, 'newPassword'), next),
    field(t(lang, 'repeatPassword'), again),
    message,
    h('button', { type: 'submit', class: 'primary' }, t(lang, 'savePassword')),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (next.value.length < 10) message.textContent = t(lang, 'passwordTooShort');
    else if (next.value !== again.value) message.textContent = t(lang, 'passwordsDiffer');
    else
      changePassword(session, current.value, next.value)
        .then(onChanged)
        .catch((err: unknown) => {
          message.textContent = t(lang, 'error', { message: err instanceof Error ? err.message : '' });
        });
  });
  return form;
}
