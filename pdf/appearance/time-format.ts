/**
 * Signing time as ISO 8601 in Vietnam time (UTC+07:00, no daylight saving), e.g. `2025-03-01T09:15:00+07:00`,
 * as Decree 30/2020 Appendix I requires for the organisation signature's visible information.
 */
export function formatVietnamTime(at: Date): string {
  const t = new Date(at.getTime() + 7 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${t.getUTCFullYear()}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())}` +
    `T${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}+07:00`
  );
}

/** PDF date string (ISO 32000-1 7.9.4) in UTC+07:00, for the signature dictionary /M. */
export function formatPdfDate(at: Date): string {
  const t = new Date(at.getTime() + 7 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `D:${t.getUTCFullYear()}${p(t.getUTCMonth() + 1)}${p(t.getUTCDate())}` +
    `${p(t.getUTCHours())}${p(t.getUTCMinutes())}${p(t.getUTCSeconds())}+07'00'`
  );
}

/** Parses a PDF date string (7.9.4); returns undefined when it is not one. */
export function parsePdfDate(s: string): Date | undefined {
  const m =
    /^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz])|([+-])(\d{2})'?(?:(\d{2})'?)?)?/.exec(
      s,
    );
  if (!m) return undefined;
  const n = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  let ms = Date.UTC(n(m[1], 0), n(m[2], 1) - 1, n(m[3], 1), n(m[4], 0), n(m[5], 0), n(m[6], 0));
  if (m[8]) ms -= (m[8] === '-' ? -1 : 1) * (n(m[9], 0) * 60 + n(m[10], 0)) * 60_000;
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
