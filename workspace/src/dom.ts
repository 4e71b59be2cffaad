/** What `h` accepts as a child: nodes, text, or nothing (skipped). */
export type Child = Node | string | number | null | undefined | false;

/**
 * Creates an element: `h('div', { class: 'x', 'data-id': 'y' }, child…)`. `on*` functions become listeners; text
 * is always set as text, never parsed as HTML, so names and reasons from the API cannot inject markup.
 */
export function h(tag: string, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

let nextId = 0;

/** A label bound to its control by `for`/`id`, so assistive technology and tests find the field by its label. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f${++nextId}`;
  control.id = id;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('small', {}, hint) : null,
  );
}

/** Formats an ISO time in Vietnam time, the way agencies read it. */
export function when(lang: string, iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    dateStyle: 'short',
    timeStyle: 'short',
    timeZone: 'Asia/Ho_Chi_Minh',
  }).format(new Date(iso));
}

/**
 * Copies each column's heading onto its cells (`data-label`), so that on a phone the stylesheet can show every row
 * as a card of "heading: value" lines instead of a table wider than the screen.
 */
export function labelCells(root: ParentNode): void {
  for (const table of root.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent ?? '');
    for (const tr of table.querySelectorAll('tbody tr'))
      [...tr.children].forEach((td, i) => td.setAttribute('data-label', heads[i] ?? ''));
  }
}
