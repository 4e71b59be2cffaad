import { validatePathSync, type PathValidationInput } from '../../../pki';
import { createTestPki, type TestPki } from '../../helpers/test-pki';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const b = new Uint8Array(src);
  switch (Math.floor(rand() * 5)) {
    case 0: {
      for (let i = 0, n = 1 + Math.floor(rand() * 4); i < n; i++)
        b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
      return b;
    }
    case 1:
      return b.subarray(0, Math.floor(rand() * b.length));
    case 2: {
      // Absurd length: rewrite a length octet into a long form claiming gigabytes.
      const i = 1 + Math.floor(rand() * Math.min(64, b.length - 6));
      const out = new Uint8Array(b.length + 4);
      out.set(b.subarray(0, i));
      out.set([0x84, 0x7f, 0xff, 0xff, 0xff], i);
      out.set(b.subarray(i + 1), i + 5);
      return out;
    }
    case 3: {
      const i = Math.floor(rand() * b.length);
      b[i] = Math.floor(rand() * 256);
      return b;
    }
    default: {
      const i = Math.floor(rand() * b.length);
      const extra = new Uint8Array(1 + Math.floor(rand() * 16)).map(() => Math.floor(rand() * 256));
      const out = new Uint8Array(b.length + extra.length);
      out.set(b.subarray(0, i));
      out.set(extra, i);
      out.set(b.subarray(i), i + extra.length);
      return out;
    }
  }
}

describe('validatePath robustness against mutated input', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki({ keyAlgorithm: 'p256', revoke: ['organisation'] });
  });

  it('ends every one of 3000 mutated certificates and CRLs in a report, quickly', () => {
    const rand = rng(20250101);
    const started = Date.now();
    const codes = new Map<string, number>();
    const base: PathValidationInput = {
      anchors: pki.anchors,
      intermediates: pki.intermediates,
      cert: pki.personal.certificate,
      crls: [pki.crl, pki.rootCrl],
      at: pki.at,
    };
    for (let i = 0; i < 3000; i++) {
      const input = { ...base };
      const target = i % 4;
      if (target === 0) input.cert = mutate(pki.personal.certificate, rand);
      else if (target === 1) input.intermediates = [mutate(pki.issuing.certificate, rand)];
      else if (target === 2) input.crls = [mutate(pki.crl, rand), pki.rootCrl];
      else input.anchors = [mutate(pki.root.certificate, rand)];
      const report = validatePathSync(input);
      expect(typeof report.valid).toBe('boolean');
      expect(typeof report.code).toBe('string');
      codes.set(report.code, (codes.get(report.code) ?? 0) + 1);
    }
    expect(Date.now() - started).toBeLessThan(20000);
    expect(codes.get('MALFORMED')).toBeGreaterThan(100);
  });
});
