import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import { signPdf } from '../pdf';
import type { FileRef } from '../schemas/document';
import { isLienthongError } from '../schemas/errors';
import type { AuditStore } from '../store/audit-store';
import { FileStore } from '../store/file-store';
import type { PkiStore } from '../store/pki-store';

export interface ReportActivityDeps {
  db: Db;
  pki: PkiStore;
  audit: AuditStore;
  /** The province's system agency, whose organisation key signs province reports. */
  systemAgency: string;
}

/** A report PDF the API built and stored, to be signed by the province; files travel by reference only. */
export interface SignYearlyReportInput {
  unsigned: FileRef;
  fileName: string;
  year: number;
  /** The agency the report covers, or 'province'. */
  scope: string;
  location?: string;
  /** ISO signing time, fixed by the API so every attempt signs and audits the same instant. */
  signingTime: string;
  /** Who asked for the report (audit actor). */
  actor: string;
}

/** Activities of reports: the province key is used only here, in the worker, never in the API process. */
export function createReportActivities(deps: ReportActivityDeps) {
  const files = new FileStore(deps.db);
  return {
    /**
     * Signs a stored yearly report (PAdES B-B) with the system agency's organisation certificate, stores the signed
     * PDF and audits it once (the event id names the report and its signing time). A missing or revoked key
     * (CERT_NOT_FOUND / CERT_REVOKED) is final, not retried.
     */
    async signYearlyReport(input: SignYearlyReportInput): Promise<FileRef> {
      try {
        const signingTime = new Date(input.signingTime);
        const pdf = await files.get(input.unsigned);
        const signer = await deps.pki.signerFor(
          { agency: deps.systemAgency, profile: 'organisation' },
          signingTime,
        );
        const signed = await signPdf(pdf, {
          signer,
          signingTime,
          reason: `Báo cáo kết quả triển khai liên thông văn bản điện tử năm ${input.year}`,
          location: input.location,
          fieldName: 'bao-cao-nam',
        });
        const ref = await files.put(signed, { fileName: input.fileName, contentType: 'application/pdf' });
        await deps.audit.append({
          id: `report.yearly_signed:${input.year}:${input.scope}:${input.signingTime}`,
          time: input.signingTime,
          agency: deps.systemAgency,
          actor: input.actor,
          type: 'report.yearly_signed',
          details: { year: input.year, scope: input.scope, bytes: signed.length },
        });
        return ref;
      } catch (err) {
        if (isLienthongError(err)) throw ApplicationFailure.nonRetryable(err.message, err.code, err.details);
        throw err;
      }
    },
  };
}

export type ReportActivities = ReturnType<typeof createReportActivities>;
