import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readCertificates } from '../pdf/cms/certificate';
import { UsageError } from './exit-codes';

/** Input files of the CLI's commands: a file that cannot be read is a usage error (exit 2), named with its role. */
export async function readInput(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Trust anchors given as files, each PEM (one or more certificates) or DER; anything else is a usage error. */
export async function readAnchors(paths: string[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const p of paths) {
    const certs = readCertificates(await readInput(p, 'anchor'));
    if (certs.length === 0) throw new UsageError(`${p}: no certificate found (PEM or DER expected)`);
    for (const c of certs)
      try {
        new X509Certificate(c);
      } catch {
        throw new UsageError(`${p}: not a certificate (PEM or DER)`);
      }
    out.push(...certs);
  }
  return out;
}

/** Commander's collector of a repeatable option (`--anchor a --anchor b`). */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];
