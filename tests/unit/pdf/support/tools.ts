import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ToolResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs an external tool synchronously (tests assert on its output). */
export function tool(
  cmd: string,
  args: string[],
  opts: { input?: Uint8Array; env?: NodeJS.ProcessEnv } = {},
): ToolResult {
  const r = spawnSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, maxBuffer: 64 << 20 });
  return {
    status: r.status,
    stdout: r.stdout?.toString('utf8') ?? '',
    stderr: r.stderr?.toString('utf8') ?? '',
  };
}

export function tempDir(prefix = 'lienthong-pdf-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** NSS database for pdfsig with `root` trusted as a CA (certutil -A -t "CT,C,C"). */
export function nssDbWithRoot(dir: string, root: Uint8Array): string {
  const db = `sql:${dir}`;
  tool('certutil', ['-N', '--empty-password', '-d', db]);
  const rootFile = join(dir, 'root.der');
  writeFileSync(rootFile, root);
  const r = tool('certutil', ['-A', '-n', 'root', '-t', 'CT,C,C', '-i', rootFile, '-d', db]);
  if (r.status !== 0) throw new Error(`certutil: ${r.stderr}`);
  return db;
}

/** Runs pdfsig and returns, per signature, whether it says "Signature is Valid" and "Total document signed". */
export function pdfsig(db: string, file: string): { valid: boolean; total: boolean; trusted: boolean }[] {
  const r = tool('pdfsig', ['-nssdir', db, '-no-ocsp', file]);
  return r.stdout
    .split(/^Signature #\d+:/m)
    .slice(1)
    .map((s) => ({
      valid: s.includes('Signature Validation: Signature is Valid.'),
      total: s.includes('Total document signed'),
      trusted: s.includes('Certificate is Trusted'),
    }));
}
