import type { FastifyInstance, FastifyReply } from 'fastify';

/** CSP of API answers (JSON, PDF, CRL): nothing may load from them, and nothing may frame them. */
export const API_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * CSP of the pages (the dashboard at /dashboard, the workspace at /app, Swagger UI at /docs): their own scripts, styles, fonts and images
 * only, API calls to the same origin, no plugins, no inline scripts, never framed. Inline styles stay allowed:
 * Swagger UI and Chart.js style elements at run time.
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

const isPage = (url: string) => /^\/(dashboard|docs|app)(\/|\?|$)/.test(url);

/**
 * Response headers every answer carries: no MIME sniffing, no framing (X-Frame-Options and CSP frame-ancestors),
 * no Referer, a CSP per kind of answer, and `Cache-Control: no-store` on everything under /api/ (authenticated
 * JSON, document and inbox files, the login token) so no shared or browser cache keeps it.
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    setSecurityHeaders(reply, request.url);
    return payload;
  });
}

/** Sets the headers of {@link registerSecurityHeaders}; for answers that skip the hooks (framework errors). */
export function setSecurityHeaders(reply: FastifyReply, url: string): void {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('content-security-policy', isPage(url) ? PAGE_CSP : API_CSP);
  if (url.startsWith('/api/')) reply.header('cache-control', 'no-store');
}
