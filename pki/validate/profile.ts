import { Oid } from '../oids';
import type { ValidationCode } from '../types';
import type { ParsedCert } from './certificate';
import { KU } from './context';
import type { ParsedCrl } from './crl';

/** Where a certificate stands in the path being checked. */
export type PathRole = 'anchor' | 'intermediate' | 'target';

/** What the validator does when a rule is broken: fail the path, or report a warning and go on. */
export type ProfileAction = 'reject' | 'warn';

interface ProfileRule {
  /** RFC 5280 section of the requirement. */
  section: string;
  action: ProfileAction;
  /** Result code when the rule rejects. */
  code: ValidationCode;
}

/**
 * RFC 5280 section 4 and 5 profile rules the validator checks beyond section 6, each with its decision. The reasons
 * for each decision are in `pki/validate/PROFILE.md`; change a decision here and there together.
 */
export const PROFILE_RULES = {
  /** 4.1.2.2: serialNumber MUST be positive; "certificate users SHOULD be prepared to gracefully handle" others. */
  serialNotPositive: { section: '4.1.2.2', action: 'warn', code: 'PROFILE' },
  /** 4.1.2.2: at most 20 octets; users MUST handle up to 20 and are not told to refuse longer ones. */
  serialTooLong: { section: '4.1.2.2', action: 'warn', code: 'PROFILE' },
  /** 4.1.2.6: a CA certificate's subject MUST be a non-empty distinguished name. */
  caEmptySubject: { section: '4.1.2.6', action: 'reject', code: 'PROFILE' },
  /** 4.1.2.6, 4.2.1.6: with an empty subject, subjectAltName MUST be present and critical. */
  emptySubjectSan: { section: '4.2.1.6', action: 'reject', code: 'PROFILE' },
  /** 4.2.1.1: keyIdentifier in authorityKeyIdentifier MUST be present except in self-signed certificates. */
  akiMissing: { section: '4.2.1.1', action: 'warn', code: 'PROFILE' },
  /** 4.2.1.1: authorityKeyIdentifier MUST be non-critical. */
  akiCritical: { section: '4.2.1.1', action: 'reject', code: 'PROFILE' },
  /** 4.2.1.2: subjectKeyIdentifier MUST appear in CA certificates. */
  skiMissing: { section: '4.2.1.2', action: 'warn', code: 'PROFILE' },
  /** 4.2.1.2: subjectKeyIdentifier MUST be non-critical. */
  skiCritical: { section: '4.2.1.2', action: 'reject', code: 'PROFILE' },
  /** 4.2.1.3, 4.2.1.9: keyCertSign MUST NOT be asserted unless basicConstraints cA is. */
  keyCertSignWithoutCa: { section: '4.2.1.9', action: 'reject', code: 'KEY_USAGE' },
  /** 4.2.1.9: basicConstraints MUST be critical in a CA certificate that signs certificates (PKITS 4.6.4: accept). */
  caBasicConstraintsNotCritical: { section: '4.2.1.9', action: 'warn', code: 'BASIC_CONSTRAINTS' },
  /** 4.2.1.10: nameConstraints MUST be used only in a CA certificate. */
  nameConstraintsInEndEntity: { section: '4.2.1.10', action: 'reject', code: 'NAME_CONSTRAINTS' },
  /** 4.2.1.10: conforming CAs MUST mark nameConstraints critical. */
  nameConstraintsNotCritical: { section: '4.2.1.10', action: 'reject', code: 'NAME_CONSTRAINTS' },
  /** 4.2.1.11: conforming CAs MUST mark policyConstraints critical (RFC 3280 allowed either; PKITS uses both). */
  policyConstraintsNotCritical: { section: '4.2.1.11', action: 'warn', code: 'POLICY' },
  /** 4.2.1.12: extKeyUsage is SEQUENCE SIZE (1..MAX) OF KeyPurposeId. */
  emptyExtKeyUsage: { section: '4.2.1.12', action: 'reject', code: 'PROFILE' },
  /** 5.2.3: a CRL MUST carry a cRLNumber, marked non-critical; otherwise it is not used. */
  crlNumber: { section: '5.2.3', action: 'reject', code: 'CRL_INVALID' },
} as const satisfies Record<string, ProfileRule>;

export type ProfileRuleName = keyof typeof PROFILE_RULES;

/** A broken rule on one certificate or CRL. */
export interface ProfileFinding {
  rule: ProfileRuleName;
  message: string;
}

function isCritical(cert: ParsedCert, id: string): boolean | undefined {
  return cert.extensions.get(id)?.critical;
}

/**
 * The profile rules `cert` breaks in `role` (an anchor is checked only when its constraints are enforced). The
 * caller applies {@link PROFILE_RULES}[rule].action to each finding.
 */
export function certificateFindings(cert: ParsedCert, role: PathRole): ProfileFinding[] {
  const out: ProfileFinding[] = [];
  const add = (rule: ProfileRuleName, message: string) => out.push({ rule, message });
  const serial = cert.serial;
  if (serial.length > 0 && (serial[0] & 0x80 || serial.every((b) => b === 0))) {
    add('serialNotPositive', 'serial number is zero or negative');
  }
  const significant = serial.length > 1 && serial[0] === 0 ? serial.length - 1 : serial.length;
  if (significant > 20) add('serialTooLong', `serial number has ${significant} octets (more than 20)`);

  const emptySubject = cert.subject.rdns.length === 0;
  if (emptySubject && (cert.isCa || role !== 'target'))
    add('caEmptySubject', 'CA certificate has an empty subject');
  if (emptySubject && isCritical(cert, Oid.subjectAltName) !== true) {
    add('emptySubjectSan', 'empty subject without a critical subjectAltName');
  }

  const selfSigned = cert.selfIssued;
  if (!cert.authorityKeyId && !selfSigned)
    add('akiMissing', 'authorityKeyIdentifier keyIdentifier is missing');
  if (isCritical(cert, Oid.authorityKeyIdentifier)) add('akiCritical', 'authorityKeyIdentifier is critical');
  if (!cert.subjectKeyId && (cert.isCa || role !== 'target')) {
    add('skiMissing', 'CA certificate has no subjectKeyIdentifier');
  }
  if (isCritical(cert, Oid.subjectKeyIdentifier)) add('skiCritical', 'subjectKeyIdentifier is critical');

  if (cert.keyUsage !== undefined && cert.keyUsage & KU.keyCertSign && !cert.isCa) {
    add('keyCertSignWithoutCa', 'keyUsage keyCertSign is asserted without basicConstraints cA');
  }
  if (role !== 'target' && cert.basicConstraints && isCritical(cert, Oid.basicConstraints) === false) {
    add('caBasicConstraintsNotCritical', 'basicConstraints of a CA certificate is not critical');
  }
  if (cert.nameConstraints && !cert.isCa)
    add('nameConstraintsInEndEntity', 'nameConstraints in a non-CA certificate');
  if (cert.extensions.has(Oid.nameConstraints) && isCritical(cert, Oid.nameConstraints) === false) {
    add('nameConstraintsNotCritical', 'nameConstraints is not critical');
  }
  if (cert.extensions.has(Oid.policyConstraints) && isCritical(cert, Oid.policyConstraints) === false) {
    add('policyConstraintsNotCritical', 'policyConstraints is not critical');
  }
  if (cert.extKeyUsage && cert.extKeyUsage.length === 0)
    add('emptyExtKeyUsage', 'extKeyUsage lists no purpose');
  return out;
}

/** 5.2.3: why a CRL must not be used under the profile, or undefined. */
export function crlFinding(crl: ParsedCrl): ProfileFinding | undefined {
  if (crl.crlNumber === undefined) return { rule: 'crlNumber', message: 'the CRL has no cRLNumber' };
  if (crl.crlNumberCritical) return { rule: 'crlNumber', message: 'the CRL marks cRLNumber critical' };
  return undefined;
}
