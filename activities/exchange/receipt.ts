import { documentBucket } from '../../infra/exchange-nats';
import { isPdfError, verifyPdf, type PdfVerificationReport } from '../../pdf';
import type { FileRef, VerificationSummary } from '../../schemas/document';
import type { Envelope } from '../../schemas/edxml';
import { verdictText, type VerificationCode, type VerificationVerdict } from '../../schemas/verification';
import { sha256Hex } from '../../store/file-store';
import { exchangeContext, objectName, type ExchangeActivityDeps, type ExchangeContext } from './shared';

/**
 * Why a verified report fails, as a stable code and a human message; undefined when it passes. The first invalid
 * signature's sub-indication is the code: typing it as a VerificationCode makes this fail to compile when the
 * verifier gains a sub-indication that schemas/verification.ts does not list.
 */
function verdictOf(report: PdfVerificationReport): VerificationVerdict | undefined {
  if (report.signatures.length === 0)
    return { code: 'NO_SIGNATURE', message: 'the document carries no signature' };
  const bad = report.signatures.find((s) => !s.valid);
  if (bad) {
    // An invalid signature is never TOTAL_PASSED; should one be, it proves nothing either way.
    const code: VerificationCode =
      bad.subIndication ?? (bad.indication === 'TOTAL_PASSED' ? 'INDETERMINATE' : bad.indication);
    return { code, message: `${bad.fieldName}: ${bad.messages[0] ?? 'signature not valid'}` };
  }
  if (report.decree30 && !report.decree30.valid)
    return {
      code: 'DECREE30_LAYOUT',
      message: report.decree30.messages.join('; ') || 'signature layout not valid',
    };
  return undefined;
}

/** Default of `ExchangeActivityDeps.payloadWaitMs`. */
export const PAYLOAD_WAIT_MS = 120_000;

/**
 * An attachment's bytes, read again every `intervalMs` for up to `waitMs` while the object is absent; null if it is
 * still absent then. A commune's leaf node copies its documents and its envelopes to the province through two
 * stream sources that resume independently after an outage, so an envelope can arrive before its PDF has finished
 * copying (README, "Communes offline"); the object's metadata is copied after its chunks, so once it is readable it
 * is whole. Bounded by attempts, not by the clock, which tests may freeze.
 */
export async function awaitObject(
  read: () => Promise<Uint8Array | null>,
  waitMs: number,
  intervalMs = 1_000,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<Uint8Array | null> {
  const retries = Math.max(0, Math.ceil(waitMs / intervalMs));
  for (let attempt = 0; ; attempt++) {
    const bytes = await read();
    if (bytes || attempt >= retries) return bytes;
    await sleep(intervalMs);
  }
}

/** A summary that failed with `verdict`: the structured verdict and its human text side by side. */
function failedSummary(
  verdict: VerificationVerdict,
  checkedAt: string,
  hashMatches: boolean,
): VerificationSummary {
  return { ok: false, reason: verdictText(verdict), verdict, checkedAt, hashMatches };
}

/** Receipt activities: fetching an incoming document and verifying its hashes and signatures. */
export function createReceiptActivities(
  deps: ExchangeActivityDeps,
  { files, documents, names, replicas }: ExchangeContext = exchangeContext(deps),
) {
  return {
    /**
     * Fetches every attachment from the Object Store, checks its SHA-256, stores the document, verifies every
     * signature (PAdES, Decree 30 layout) against the trust anchors and CRLs at receipt time, and stores the report.
     * A failed check is a result (`ok: false` with the reason), not an error.
     */
    async fetchAndVerifyIncoming(input: {
      envelope: Envelope;
      recipient: string;
      inboxId: string;
    }): Promise<{ file?: FileRef; verification: VerificationSummary }> {
      const now = deps.clock();
      // What arrived is kept as it arrived: the recipient's proof of what it was sent (evidence bundles).
      await documents.saveReceivedEnvelope(input.recipient, input.inboxId, input.envelope);
      const bucket = await documentBucket(deps.nats, names, replicas);
      const main = input.envelope.attachments[0]!;
      const fail = async (verdict: VerificationVerdict, hashMatches: boolean) => {
        const verification = failedSummary(verdict, now.toISOString(), hashMatches);
        await documents.saveVerification(input.recipient, input.inboxId, verification);
        return { verification };
      };
      let mainBytes: Uint8Array | undefined;
      for (const attachment of input.envelope.attachments) {
        const bytes = await awaitObject(
          () => bucket.getBlob(objectName(attachment.ref)),
          deps.payloadWaitMs ?? PAYLOAD_WAIT_MS,
        );
        if (!bytes)
          return fail(
            { code: 'PAYLOAD_MISSING', message: `${attachment.name} is not in the object store` },
            false,
          );
        if (bytes.length !== attachment.size || sha256Hex(bytes) !== attachment.sha256)
          return fail(
            {
              code: 'HASH_FAILURE',
              message: `${attachment.name} does not match the SHA-256 in the envelope`,
            },
            false,
          );
        if (attachment === main) mainBytes = bytes;
      }
      const [file, trust] = await Promise.all([
        files.put(mainBytes!, { fileName: main.name, contentType: main.contentType }),
        deps.pki.trustMaterial(now),
      ]);
      let report: Awaited<ReturnType<typeof verifyPdf>>;
      try {
        report = await verifyPdf(mainBytes!, {
          anchors: trust.anchors,
          intermediates: trust.intermediates,
          crls: trust.crls,
          at: now,
          decree30: { issuingAgency: input.envelope.from.name },
        });
      } catch (err) {
        // verifyPdf is a pure function of the bytes and the trust material read above: a file it cannot read (or
        // that trips it) fails the same way on every retry, so the recipient answers 02 with the reason at once.
        const verdict: VerificationVerdict = isPdfError(err)
          ? { code: 'UNREADABLE_PDF', message: `${err.code}: ${err.message}` }
          : { code: 'UNVERIFIABLE_PDF', message: err instanceof Error ? err.message : String(err) };
        return { file, ...(await fail(verdict, true)) };
      }
      const verdict = verdictOf(report);
      const full: VerificationSummary = {
        ...(verdict
          ? failedSummary(verdict, now.toISOString(), true)
          : { ok: true, checkedAt: now.toISOString(), hashMatches: true }),
        report: JSON.parse(JSON.stringify(report)) as unknown,
      };
      await documents.saveVerification(input.recipient, input.inboxId, full);
      const { report: _r, ...summary } = full;
      return { file, verification: summary };
    },
  };
}
