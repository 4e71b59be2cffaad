/**
 * Structural oddities the reader tolerated while opening a file. They do not make a document unreadable (qpdf,
 * poppler and the EU DSS read such files too) but a verifier must report them rather than repair silently: a
 * reconstructed cross-reference table in particular is what incremental-saving attacks rely on.
 */
export const StructureWarningCodes = {
  /** startxref or /Prev did not point exactly at a cross-reference section; the nearest one was used. */
  XREF_OFFSET_ADJUSTED: 'XREF_OFFSET_ADJUSTED',
  /** An xref entry did not point exactly at `num gen obj`; the header a few bytes away was used. */
  OBJECT_OFFSET_ADJUSTED: 'OBJECT_OFFSET_ADJUSTED',
  /** The hybrid-reference stream named by /XRefStm (ISO 32000-1 7.5.8.4) could not be read and was ignored. */
  XREF_STREAM_IGNORED: 'XREF_STREAM_IGNORED',
  /** The cross-reference chain is unreadable: objects were found by scanning the file for `N G obj`. */
  XREF_RECONSTRUCTED: 'XREF_RECONSTRUCTED',
  /**
   * A section says `/Prev 0` although an earlier revision precedes it: its chain was continued at the previous
   * revision's startxref, as DSS (PDFBox), poppler and qpdf read such a file.
   */
  XREF_PREV_RECOVERED: 'XREF_PREV_RECOVERED',
  /** A stream's /Length did not end at `endstream`; the data was measured up to the keyword instead. */
  STREAM_LENGTH_ADJUSTED: 'STREAM_LENGTH_ADJUSTED',
} as const;
export type StructureWarningCode = (typeof StructureWarningCodes)[keyof typeof StructureWarningCodes];

/** One tolerated oddity, with the file offset it concerns. */
export interface StructureWarning {
  code: StructureWarningCode;
  message: string;
  offset?: number;
}

/** Collects warnings without duplicates (the same oddity is met again each time an object is re-read). */
export class WarningLog {
  readonly items: StructureWarning[] = [];
  private readonly keys = new Set<string>();
  add(code: StructureWarningCode, message: string, offset?: number): void {
    const key = `${code}@${offset ?? ''}:${message}`;
    if (this.keys.has(key) || this.items.length >= 1000) return;
    this.keys.add(key);
    this.items.push(offset === undefined ? { code, message } : { code, message, offset });
  }
}
