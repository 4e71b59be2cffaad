import { CRL_REREAD_MS, CrlCache } from '../../../store/crl-cache';

describe('CrlCache', () => {
  const crl = (crlNumber: number) => ({
    der: new Uint8Array([crlNumber]),
    crlNumber,
    nextUpdate: new Date('2026-12-07T00:00:00Z'),
  });

  it('serves a kept CRL until it is CRL_REREAD_MS old, then asks for a new read', () => {
    let t = 1_000_000;
    const cache = new CrlCache(() => t);
    expect(cache.recent('issuing')).toBeUndefined();
    cache.keep('issuing', crl(4));
    t += CRL_REREAD_MS - 1;
    expect(cache.recent('issuing')?.crlNumber).toBe(4);
    t += 1;
    expect(cache.recent('issuing')).toBeUndefined();
  });

  it('never goes back to an older CRL that a slow read brings after a newer one was published', () => {
    const cache = new CrlCache(() => 0);
    cache.keep('issuing', crl(7)); // published by a revocation
    cache.keep('issuing', crl(6)); // a read that started before it
    expect(cache.recent('issuing')?.crlNumber).toBe(7);
    cache.keep('issuing', crl(8));
    expect(cache.recent('issuing')?.crlNumber).toBe(8);
    expect(cache.recent('root')).toBeUndefined();
  });

  it('keeps its own copy: bytes changed by a caller, before or after, change nothing kept', () => {
    const cache = new CrlCache(() => 0);
    const published = crl(9);
    cache.keep('issuing', published);
    published.der[0] = 0;
    cache.recent('issuing')!.der[0] = 1;
    expect([...cache.recent('issuing')!.der]).toEqual([9]);
  });
});
