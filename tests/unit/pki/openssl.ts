import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Writes DER objects as PEM files in a temp dir and runs openssl there. */
export class OpensslDir {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'lienthong-pki-'));

  pem(name: string, der: Uint8Array, label = 'CERTIFICATE'): string {
    const b64 = (
      Buffer.from(der)
        .toString('base64')
        .match(/.{1,64}/g) ?? []
    ).join('\n');
    const file = path.join(this.dir, name);
    writeFileSync(file, `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`);
    return file;
  }

  der(name: string, der: Uint8Array): string {
    const file = path.join(this.dir, name);
    writeFileSync(file, der);
    return file;
  }

  run(args: string[]): string {
    return execFileSync('openssl', args, { encoding: 'utf8', cwd: this.dir });
  }

  status(args: string[]): { code: number; out: string } {
    const r = spawnSync('openssl', args, { encoding: 'utf8', cwd: this.dir });
    return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
