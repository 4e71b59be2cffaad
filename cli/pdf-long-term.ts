import { readFile, unlink } from 'node:fs/promises';
import type { Command } from 'commander';
import type { DigestAlgorithm } from '../pdf/core/source';
import type * as DocumentTimestamp from '../pdf/sign/document-timestamp';
import type * as Dss from '../pdf/sign/dss';
import type { TimestampTokenSource } from '../pdf/sign/signature-timestamp';
import type * as ValidationMaterial from '../pdf/sign/validation-material';
import { type FetchLike, TimestampClientError, fetchTimestamp } from '../pki/tsa/client';
import { UsageError } from './exit-codes';

// Loaded by the command that runs them (require rather than import(): see GROUPS in cli/main.ts).
/* eslint-disable @typescript-eslint/no-require-imports */
const loadDss = () => require('../pdf/sign/dss') as typeof Dss;
const loadMaterial = () => require('../pdf/sign/validation-material') as typeof ValidationMaterial;
const loadDocumentTimestamp = () => require('../pdf/sign/document-timestamp') as typeof DocumentTimestamp;
/* eslint-enable @typescript-eslint/no-require-imports */

/** PAdES baseline levels the CLI makes (ETSI EN 319 142-1 6). */
export const LEVELS = ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const;
export type Level = (typeof LEVELS)[number];

export function parseLevel(s: string, allowed: readonly Level[] = LEVELS): Level {
  if (!(allowed as readonly string[]).includes(s))
    throw new UsageError(`--level must be one of ${allowed.join(', ')}`);
  return s as Level;
}

const httpFetch: FetchLike = (url, init) => fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });

/** Tokens from the TSA at `url` (RFC 3161 over HTTP); a refusal or an unreachable TSA is exit code 2. */
export function tokenSource(url: string | undefined, level: string): TimestampTokenSource {
  if (!url) throw new UsageError(`--tsa <url> is required for ${level}`);
  if (!/^https?:\/\//.test(url)) throw new UsageError(`--tsa must be an http(s) URL, got ${url}`);
  return async (digest: Uint8Array, hash: DigestAlgorithm) => {
    try {
      return (await fetchTimestamp(url, digest, hash, httpFetch)).token;
    } catch (err) {
      if (err instanceof TimestampClientError) throw new UsageError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
}

function crlDer(b: Buffer): Uint8Array {
  const m = /-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/.exec(b.toString('latin1'));
  return m ? Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64') : b;
}

async function readCrls(files: string[]): Promise<Uint8Array[]> {
  return Promise.all(
    files.map(async (f) => {
      try {
        return crlDer(await readFile(f));
      } catch (err) {
        throw new UsageError(`cannot read CRL ${f}: ${(err as Error).message}`);
      }
    }),
  );
}

/** Fetches each CRL distribution point (RFC 5280 4.2.1.13) when the caller gave no --crl. */
async function fetchCrls(urls: string[]): Promise<Uint8Array[]> {
  return Promise.all(
    urls.map(async (url) => {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) }).catch((err: Error) => {
        throw new UsageError(`cannot fetch CRL ${url}: ${err.message}`);
      });
      if (!res.ok) throw new UsageError(`cannot fetch CRL ${url}: HTTP ${res.status}`);
      return new Uint8Array(await res.arrayBuffer());
    }),
  );
}

/**
 * Extends a signed PDF to B-LT (a /DSS with the certificates and CRLs of every signature and time-stamp) or B-LTA
 * (then a document time-stamp over it), each as an incremental update. CRLs come from `crlFiles`, else from the
 * certificates' distribution points.
 */
export async function extendFile(
  inPath: string,
  outPath: string,
  level: 'B-LT' | 'B-LTA',
  crlFiles: string[],
  tsa: string | undefined,
  now: Date,
): Promise<void> {
  const source = level === 'B-LTA' ? tokenSource(tsa, level) : undefined;
  const { gatherValidationMaterial, crlUrlsOf } = loadMaterial();
  const { appendDssFile } = loadDss();
  const material = await gatherValidationMaterial(inPath, { gatheredAt: now });
  const crls = crlFiles.length ? await readCrls(crlFiles) : await fetchCrls(crlUrlsOf(material.certs));
  material.crls = crls;
  for (const e of material.vri) e.crls = crls;
  if (!source) return appendDssFile(inPath, outPath, material);
  const { addDocumentTimestampFile } = loadDocumentTimestamp();
  const mid = `${outPath}.dss`;
  try {
    await appendDssFile(inPath, mid, material);
    await addDocumentTimestampFile(mid, outPath, { source });
  } finally {
    await unlink(mid).catch(() => undefined);
  }
}

interface TimestampFlags {
  in: string;
  out: string;
  tsa?: string;
}

interface ExtendFlags extends TimestampFlags {
  level: string;
  crl: string[];
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Registers `pdf timestamp` and `pdf extend` (long-term validity, ETSI EN 319 142-1 B-LT and B-LTA). */
export function registerLongTermCommands(
  pdf: Command,
  guarded: <T>(fn: (f: T) => Promise<void>) => (f: T) => Promise<void>,
): void {
  pdf
    .command('timestamp')
    .description(
      'add a document time-stamp (/SubFilter /ETSI.RFC3161) from an RFC 3161 TSA, as an incremental update',
    )
    .requiredOption('--in <file>', 'input PDF')
    .requiredOption('--out <file>', 'output PDF (must differ from --in)')
    .option('--tsa <url>', 'time-stamp authority URL, e.g. http://127.0.0.1:8080/tsa')
    .action(
      guarded(async (f: TimestampFlags) => {
        const { addDocumentTimestampFile } = loadDocumentTimestamp();
        await addDocumentTimestampFile(f.in, f.out, { source: tokenSource(f.tsa, 'a document time-stamp') });
      }),
    );
  pdf
    .command('extend')
    .description(
      'extend signatures to B-LT (/DSS with certificates, CRLs and VRI) or B-LTA (then a document time-stamp)',
    )
    .requiredOption('--in <file>', 'signed PDF')
    .requiredOption('--out <file>', 'output PDF (must differ from --in)')
    .requiredOption('--level <level>', 'B-LT | B-LTA')
    .option(
      '--crl <file>',
      'CRL to embed, DER or PEM; repeatable (default: fetched from the distribution points)',
      collect,
      [],
    )
    .option('--tsa <url>', 'time-stamp authority URL (B-LTA)')
    .action(
      guarded(async (f: ExtendFlags) => {
        const level = parseLevel(f.level, ['B-LT', 'B-LTA']) as 'B-LT' | 'B-LTA';
        if (f.in === f.out) throw new UsageError('--out must differ from --in');
        // The CLI is a composition root: the clock is read here.
        await extendFile(f.in, f.out, level, f.crl, f.tsa, new Date());
      }),
    );
}
