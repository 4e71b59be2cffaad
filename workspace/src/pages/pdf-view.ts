import { getDocument, GlobalWorkerOptions } from 'pdfjs-dist';
import workerUrl from 'pdfjs-dist/build/pdf.worker.min.mjs?url';
import { getBytes } from '../api';
import type { Ctx } from '../context';
import { h } from '../dom';

GlobalWorkerOptions.workerSrc = workerUrl;
/** Emitted beside the bundle by the build (vite.config.mts): assets/ is one level below the app's base. */
const STANDARD_FONTS = new URL('../pdfjs/standard_fonts/', new URL(workerUrl, location.href)).href;

/** Pages rendered at most; a longer document is downloaded rather than scrolled through here. */
const MAX_PAGES = 20;

/**
 * The document's PDF drawn in the page with pdf.js (fetched with the bearer token, so no token ever goes into a
 * URL). Every page becomes a canvas labelled with its number; the section tells when rendering is done
 * (`data-rendered`), which the browser tests wait for.
 */
export function pdfView(ctx: Ctx, path: string): HTMLElement {
  const pages = h('div', { class: 'pdf-pages' }, h('p', { class: 'muted' }, ctx.t('loading')));
  const section = h(
    'section',
    { class: 'card pdf', 'aria-label': ctx.t('pdf'), 'data-pdf': path },
    h('h3', {}, ctx.t('pdf')),
    pages,
  );
  void render(ctx, path, pages, section);
  return section;
}

async function render(ctx: Ctx, path: string, pages: HTMLElement, section: HTMLElement): Promise<void> {
  try {
    const data = new Uint8Array(await getBytes(ctx.session, path));
    const task = getDocument({ data, standardFontDataUrl: STANDARD_FONTS });
    const pdf = await task.promise;
    pages.replaceChildren();
    const count = Math.min(pdf.numPages, MAX_PAGES);
    const width = Math.max(280, Math.min(pages.clientWidth || 800, 900));
    for (let n = 1; n <= count; n++) {
      const page = await pdf.getPage(n);
      const base = page.getViewport({ scale: 1 });
      const viewport = page.getViewport({ scale: (width / base.width) * (window.devicePixelRatio || 1) });
      const canvas = h('canvas', {
        role: 'img',
        'aria-label': ctx.t('page', { n, of: pdf.numPages }),
        'data-page-number': n,
      }) as HTMLCanvasElement;
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = '100%';
      pages.append(canvas);
      await page.render({ canvas, viewport }).promise;
    }
    section.dataset.rendered = String(count);
    await task.destroy();
  } catch (err) {
    pages.replaceChildren(
      h('p', { class: 'form-error', role: 'alert' }, `${ctx.t('pdfFailed')}: ${(err as Error).message}`),
    );
    section.dataset.rendered = 'error';
  }
}
