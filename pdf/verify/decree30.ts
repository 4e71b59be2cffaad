import type { CertificateInfo } from '../cms/certificate';
import type { Decree30Report, SignatureReport } from './report';

/** Options of the Decree 30/2020 layout check. */
export interface Decree30Options {
  /** Name of the issuing agency ("cơ quan ban hành"); the organisation certificate's O (or CN) must match it. */
  issuingAgency?: string;
  /** Decides a certificate's role; default {@link classifyRole}. */
  classify?: (cert: CertificateInfo) => 'personal' | 'organisation';
}

function norm(s: string): string {
  return s.normalize('NFC').toLocaleLowerCase('vi').replace(/\s+/g, ' ').trim();
}

/**
 * Default role of a signing certificate: an organisation (agency seal) certificate names the agency itself, so its
 * CN equals its O; a personal certificate names a person (CN differs from O).
 */
export function classifyRole(cert: CertificateInfo): 'personal' | 'organisation' {
  const { CN, O } = cert.subjectAttrs;
  return CN && O && norm(CN) === norm(O) ? 'organisation' : 'personal';
}

/**
 * Decree 30/2020/NĐ-CP Art. 13 and Appendix I: the competent person signs first (personal signature), then the
 * clerk ("văn thư") adds the issuing agency's signature (organisation). Signatures are given in signing order.
 */
export function checkDecree30(
  signatures: SignatureReport[],
  certs: (CertificateInfo | undefined)[],
  opts: Decree30Options,
): Decree30Report {
  const messages: string[] = [];
  const personal = signatures.findIndex((s) => s.role === 'personal');
  const orgIdx = signatures.map((s, i) => (s.role === 'organisation' ? i : -1)).filter((i) => i >= 0);
  const organisation = orgIdx.length ? orgIdx[orgIdx.length - 1]! : -1;
  const personalBeforeOrganisation = personal >= 0 && organisation > personal;
  if (personal < 0) messages.push('no personal signature of the competent person');
  if (organisation < 0) messages.push('no organisation signature of the issuing agency');
  if (personal >= 0 && organisation >= 0 && !personalBeforeOrganisation)
    messages.push('the organisation signature must come after the personal signature');
  let agencyMatches: boolean | undefined;
  if (opts.issuingAgency !== undefined && organisation >= 0) {
    const c = certs[organisation];
    const names = [c?.subjectAttrs.O, c?.subjectAttrs.CN].filter((x): x is string => !!x).map(norm);
    agencyMatches = names.includes(norm(opts.issuingAgency));
    if (!agencyMatches) messages.push(`organisation certificate does not belong to ${opts.issuingAgency}`);
  }
  return {
    valid: personalBeforeOrganisation && agencyMatches !== false,
    personalPresent: personal >= 0,
    organisationPresent: organisation >= 0,
    personalBeforeOrganisation,
    agencyMatches,
    messages,
  };
}
