import { perDatabase } from './per-database';

/** How long a CRL read from the database is used again before it is read anew. */
export const CRL_REREAD_MS = 5_000;

interface KeptCrl {
  der: Uint8Array;
  crlNumber: number;
  nextUpdate: Date;
  /** When it was read or published here (the process clock, not the caller's `now`, which tests move). */
  keptAt: number;
}

/**
 * The CRLs this process read or published lately, by CA. Every signature and every verification on receipt asks
 * for both CRLs: eight reads of the `crls` collection per document with three recipients, each a large document.
 * A CRL published by this process replaces its copy at once; one published by another process (a revocation in the
 * API while the worker verifies) is seen within {@link CRL_REREAD_MS}. Relying parties may use a CRL until its
 * nextUpdate (RFC 5280), days away here; this keeps the delay after a revocation to seconds.
 */
export class CrlCache {
  private readonly kept = new Map<string, KeptCrl>();

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * The kept CRL of `ca` when it was kept less than {@link CRL_REREAD_MS} ago. Copies go in and out, so a caller
   * that changes its bytes changes nothing here.
   */
  recent(ca: string): KeptCrl | undefined {
    const crl = this.kept.get(ca);
    return crl && this.clock() - crl.keptAt < CRL_REREAD_MS ? { ...crl, der: crl.der.slice() } : undefined;
  }

  /** Keeps a CRL read or published now, unless a newer one (a higher cRLNumber) is kept already. */
  keep(ca: string, crl: Omit<KeptCrl, 'keptAt'>): void {
    const current = this.kept.get(ca);
    if (current && current.crlNumber > crl.crlNumber) return;
    this.kept.set(ca, { ...crl, der: crl.der.slice(), keptAt: this.clock() });
  }
}

/** One cache per database handle, shared by every PkiStore of it in the process (the API's and the worker's). */
export const crlCacheOf = perDatabase(() => new CrlCache());
