/**
 * Stable error codes of the PDF library. A code names a condition that callers (CLI, API, activities) can act on;
 * the message is for humans. An invalid signature is not an error: it is a verdict in the verification report.
 */
export const PdfErrorCodes = {
  /** The bytes are not a PDF file the library can read (no header, truncated, unparsable object). */
  MALFORMED_PDF: 'MALFORMED_PDF',
  /** startxref, an xref table or an xref stream is missing or unreadable (ISO 32000-1 7.5.4, 7.5.8). */
  XREF_BROKEN: 'XREF_BROKEN',
  /**
   * The document is encrypted (ISO 32000-1 7.6) and cannot be processed: signing any encrypted document, or reading
   * one that needs a user password or another security handler than the standard one.
   */
  ENCRYPTED_PDF: 'ENCRYPTED_PDF',
  /** A length, count or nesting depth in the file exceeds the library's limits. */
  LIMIT_EXCEEDED: 'LIMIT_EXCEEDED',
  /** A stream uses a filter the library does not decode. */
  UNSUPPORTED_FILTER: 'UNSUPPORTED_FILTER',
  /** The requested page does not exist. */
  PAGE_NOT_FOUND: 'PAGE_NOT_FOUND',
  /** A signing option is invalid (rectangle, hash, certificate, image). */
  INVALID_OPTION: 'INVALID_OPTION',
  /** The CMS does not fit into the space reserved for /Contents. */
  CONTENTS_TOO_SMALL: 'CONTENTS_TOO_SMALL',
  /** A deferred signature value or CMS does not verify against the expected certificate and signed attributes. */
  SIGNATURE_MISMATCH: 'SIGNATURE_MISMATCH',
  /** A deferred signing state does not match the prepared file, or is not a state this library produced. */
  STATE_MISMATCH: 'STATE_MISMATCH',
  /** The font for visible appearances cannot be read. */
  FONT_UNAVAILABLE: 'FONT_UNAVAILABLE',
  /** The input or output file cannot be read or written. */
  IO_ERROR: 'IO_ERROR',
} as const;
export type PdfErrorCode = (typeof PdfErrorCodes)[keyof typeof PdfErrorCodes];

/** Error raised by the PDF library; compare by `code`, not by `instanceof`. */
export class PdfError extends Error {
  override readonly name = 'PdfError';
  constructor(
    readonly code: PdfErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `err` is a {@link PdfError} (by name, so it also works across realms). */
export function isPdfError(err: unknown): err is PdfError {
  return err instanceof Error && err.name === 'PdfError' && typeof (err as PdfError).code === 'string';
}
