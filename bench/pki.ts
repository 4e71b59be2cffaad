/**
 * PKI benchmark: `npx tsx bench/pki.ts [iterations]`.
 * - chain validations/s for root → issuing CA → end entity with the issuing and root CRLs (RFC 5280 6.1 + 6.3),
 *   warm (CRLs parsed once; certificate parse and signature results memoised) and cold (only CRL parsing kept);
 * - `openssl verify -crl_check_all` on the same chain: one process per check, and one process checking N copies;
 * - warm runs after warm-up with the trust anchor's own constraints enforced and ignored (their cost), and the
 *   name-constraint worst case at the per-certificate work limit;
 * - certificate issuance/s (signing only, and with key generation).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateKeyPair, issueEndEntity, validatePathSync, type PathValidationInput } from '../pki';
import { resetValidationCaches } from '../pki/validate/cache';
import type { ParsedCert } from '../pki/validate/certificate';
import {
  addNameConstraints,
  checkNameConstraints,
  initialNameConstraints,
  MAX_NAME_CONSTRAINT_CHECKS,
} from '../pki/validate/name-constraints';
import { createTestPki } from '../tests/helpers/test-pki';

const N = Number(process.argv[2] ?? 2000);

function pem(der: Uint8Array, label: string): string {
  return `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;
}

function rate(count: number, ms: number): string {
  return `${((count * 1000) / ms).toFixed(0)}/s`;
}

/** Milliseconds for one certificate at the name-constraint work limit: every name scans every subtree. */
function nameConstraintWorstCaseMs(): { side: number; ms: number } {
  const side = Math.sqrt(MAX_NAME_CONSTRAINT_CHECKS);
  const subtrees = (prefix: string) =>
    Array.from({ length: side / 2 }, (_, i) => ({
      base: { kind: 'dns' as const, value: `${prefix}${i}.gov.vn` },
    }));
  const state = addNameConstraints(initialNameConstraints(), {
    permitted: subtrees('permitted'),
    excluded: subtrees('excluded'),
  });
  const value = `x.permitted${side / 2 - 1}.gov.vn`;
  const cert = {
    subject: { rdns: [], rdnKeys: [], key: '[]', der: new Uint8Array(0) },
    subjectAltNames: Array.from({ length: side }, () => ({ kind: 'dns' as const, value })),
  } as unknown as ParsedCert;
  const t = performance.now();
  if (checkNameConstraints(cert, state) !== undefined) throw new Error('worst case should pass');
  return { side, ms: performance.now() - t };
}

async function main(): Promise<void> {
  const pki = await createTestPki();
  const input: PathValidationInput = {
    anchors: pki.anchors,
    intermediates: pki.intermediates,
    cert: pki.personal.certificate,
    crls: [pki.crl, pki.rootCrl],
    at: pki.at,
  };
  if (!validatePathSync(input).valid) throw new Error('benchmark chain does not validate');

  let t = performance.now();
  for (let i = 0; i < N; i++) validatePathSync(input);
  const warmMs = performance.now() - t;

  t = performance.now();
  for (let i = 0; i < N; i++) {
    resetValidationCaches({ keepCrls: true });
    validatePathSync(input);
  }
  const coldMs = performance.now() - t;

  const ignoring: PathValidationInput = {
    ...input,
    anchors: pki.anchors.map((certificate) => ({ certificate, constraints: 'ignore' as const })),
  };
  // Enforced and ignored anchor constraints, interleaved after warm-up; the best of four rounds each.
  let enforcedMs = Infinity;
  let ignoredMs = Infinity;
  for (let round = 0; round < 4; round++) {
    t = performance.now();
    for (let i = 0; i < N; i++) validatePathSync(input);
    enforcedMs = Math.min(enforcedMs, performance.now() - t);
    t = performance.now();
    for (let i = 0; i < N; i++) validatePathSync(ignoring);
    ignoredMs = Math.min(ignoredMs, performance.now() - t);
  }
  const worst = nameConstraintWorstCaseMs();

  const dir = mkdtempSync(path.join(tmpdir(), 'lienthong-bench-'));
  try {
    writeFileSync(path.join(dir, 'root.pem'), pem(pki.root.certificate, 'CERTIFICATE'));
    writeFileSync(path.join(dir, 'issuing.pem'), pem(pki.issuing.certificate, 'CERTIFICATE'));
    writeFileSync(path.join(dir, 'ee.pem'), pem(pki.personal.certificate, 'CERTIFICATE'));
    writeFileSync(path.join(dir, 'crls.pem'), pem(pki.crl, 'X509 CRL') + pem(pki.rootCrl, 'X509 CRL'));
    const attime = String(pki.at.getTime() / 1000);
    const args = [
      'verify',
      '-crl_check_all',
      '-attime',
      attime,
      '-CAfile',
      'root.pem',
      '-untrusted',
      'issuing.pem',
      '-CRLfile',
      'crls.pem',
    ];
    const spawnRuns = Math.min(N, 200);
    t = performance.now();
    for (let i = 0; i < spawnRuns; i++) {
      const r = spawnSync('openssl', [...args, 'ee.pem'], { cwd: dir });
      if (r.status !== 0) throw new Error(`openssl verify failed: ${String(r.stderr)}`);
    }
    const spawnMs = performance.now() - t;
    t = performance.now();
    const many = spawnSync('openssl', [...args, ...Array<string>(N).fill('ee.pem')], {
      cwd: dir,
      maxBuffer: 64 << 20,
    });
    const manyMs = performance.now() - t;
    if (many.status !== 0) throw new Error('openssl verify (many copies) failed');

    const issuing = { certificate: pki.issuing.certificate, privateKey: pki.issuing.privateKey };
    const key = await generateKeyPair('rsa2048');
    const issueRuns = Math.max(100, Math.floor(N / 4));
    const params = {
      profile: 'personal' as const,
      subject: { cn: 'Nguyễn Văn An', o: 'Ủy ban nhân dân xã Tân Phú' },
      subjectPublicKey: key.publicKey,
      issuer: issuing,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2027-01-01T00:00:00Z'),
      crlUrl: 'http://pki.test/pki/crl/issuing.crl',
    };
    t = performance.now();
    for (let i = 0; i < issueRuns; i++) issueEndEntity(params);
    const issueMs = performance.now() - t;
    const keyRuns = 20;
    t = performance.now();
    for (let i = 0; i < keyRuns; i++) {
      const k = await generateKeyPair('rsa2048');
      issueEndEntity({ ...params, subjectPublicKey: k.publicKey });
    }
    const keyIssueMs = performance.now() - t;

    const ours = (N * 1000) / coldMs;
    const theirs = (N * 1000) / manyMs;
    process.stdout.write(
      [
        `chain: RSA-2048 root -> issuing CA -> end entity, 2 CRLs, N=${N}`,
        `lienthong validatePath warm (memoised):          ${rate(N, warmMs)}`,
        `lienthong validatePath cold (CRLs parsed once):  ${rate(N, coldMs)}`,
        `lienthong validatePath warm after warm-up, best of 4: anchor constraints enforced ${rate(N, enforcedMs)}, ignored ${rate(N, ignoredMs)}`,
        `name constraints at the work limit (${worst.side} names x ${worst.side} subtrees): ${worst.ms.toFixed(0)} ms`,
        `openssl verify -crl_check_all, one process each: ${rate(spawnRuns, spawnMs)} (${spawnRuns} runs)`,
        `openssl verify -crl_check_all, ${N} copies in one process: ${rate(N, manyMs)}`,
        `ratio lienthong cold / openssl in-process: ${(ours / theirs).toFixed(2)}x; warm / openssl: ${((N * 1000) / warmMs / theirs).toFixed(2)}x; cold / openssl spawn: ${(ours / ((spawnRuns * 1000) / spawnMs)).toFixed(1)}x`,
        `issuance (RSA-2048 issuing CA, sign only): ${rate(issueRuns, issueMs)}`,
        `issuance with RSA-2048 key generation:     ${rate(keyRuns, keyIssueMs)}`,
      ].join('\n') + '\n',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
