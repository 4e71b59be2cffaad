import type { Command } from 'commander';
import { UnusableBundleError } from '../evidence/bundle';
import { verifyBundle, type EvidenceReport } from '../evidence/verify';
import { verifyPdf } from '../pdf';
import { EXIT_INVALID, EXIT_OK, UsageError } from './exit-codes';
import { collect, readAnchors, readInput } from './inputs';

/**
 * `lienthong evidence verify`: checks an evidence bundle (GET /documents/:id/evidence) offline against a root
 * certificate. The JSON report goes to stdout, a readable summary to stderr. Exit codes: 0 valid, 1 not valid
 * (each problem names its entry), 2 unusable input (not a ZIP, unreadable anchor).
 */

function parseAt(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const d = new Date(at);
  if (!/^\d{4}-\d{2}-\d{2}/.test(at) || Number.isNaN(d.getTime()))
    throw new UsageError(`--at must be ISO 8601, got ${at}`);
  return d;
}

/** The human-readable lines of a report (Vietnamese subjects kept as they are). */
export function summaryLines(file: string, r: EvidenceReport): string[] {
  const lines = [`${file}: ${r.valid ? 'VALID' : 'NOT VALID'} evidence bundle (${r.entries} entries)`];
  if (r.index)
    lines.push(
      `  document ${r.index.documentId} — ${r.index.edxmlDocumentId}`,
      `  subject  ${r.index.subject}`,
      `  records of ${r.index.side} ${r.index.agency}, made ${r.index.generatedAt} by ${r.index.generatedBy}`,
    );
  if (r.signature)
    lines.push(
      `  manifest signed by ${r.signature.signer ?? '?'}: ${r.signature.valid ? 'valid' : 'NOT valid'}` +
        (r.signature.timestampedAt ? `, time-stamped ${r.signature.timestampedAt}` : ', no time-stamp'),
    );
  for (const d of r.documents)
    lines.push(`  ${d.entry}: ${d.signatures} signature(s), ${d.valid ? 'valid' : 'NOT valid'}`);
  if (r.audit)
    lines.push(
      `  audit: ${r.audit.events} event(s) of the document, ${r.audit.links} link(s) to head seq ${r.audit.head?.seq}: ${r.audit.ok ? 'intact' : 'BROKEN'}`,
    );
  for (const s of r.statuses) lines.push(`  status ${s.statusCode} from ${s.from} at ${s.at}`);
  for (const p of r.problems) lines.push(`  PROBLEM ${p.entry}: ${p.message}`);
  return lines;
}

interface VerifyOptions {
  in: string;
  anchor: string[];
  at?: string;
}

async function verifyCommand(opts: VerifyOptions): Promise<void> {
  if (opts.anchor.length === 0) throw new UsageError('--anchor is required');
  const zip = await readInput(opts.in, 'bundle');
  const anchors = await readAnchors(opts.anchor);
  let report: EvidenceReport;
  try {
    report = await verifyBundle(zip, { anchors, at: parseAt(opts.at), verifyPdf });
  } catch (err) {
    if (err instanceof UnusableBundleError) throw new UsageError(`${opts.in}: ${err.message}`);
    throw err;
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`${summaryLines(opts.in, report).join('\n')}\n`);
  process.exitCode = report.valid ? EXIT_OK : EXIT_INVALID;
}

export function registerEvidenceCommands(group: Command): void {
  group
    .command('verify')
    .description('verify an evidence bundle offline: entries, manifest signature, audit chain, PDFs, edXML')
    .requiredOption('--in <file>', 'evidence bundle (ZIP, from GET /documents/:id/evidence)')
    .option(
      '--anchor <file>',
      'root certificate, PEM or DER, e.g. /pki/ca/root.cer (repeatable)',
      collect,
      [],
    )
    .option('--at <time>', 'validation time (ISO 8601, default now)')
    .action((opts: VerifyOptions) => verifyCommand(opts));
}
