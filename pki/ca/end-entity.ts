import type { KeyObject } from 'node:crypto';
import { LIENTHONG_POLICY_OID, Oid } from '../oids';
import {
  authorityInfoAccessExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  extKeyUsageExtension,
  keyUsageExtension,
  subjectAltNameEmailExtension,
} from './extensions';
import { issueCertificate, type CaCredentials, type IssuedCertificate } from './issue-certificate';
import type { DnAttribute } from './names';

/**
 * End-entity profiles:
 * - `organisation`: the agency seal ("con dấu" of the cơ quan), subject C/ST/L/O/OU/CN;
 * - `personal`: a named official ("cán bộ"), subject C/L/O/OU/title/CN.
 * Both assert digitalSignature + nonRepudiation (RFC 5280 4.2.1.3, critical) for document signing.
 */
export const EndEntityProfiles = ['organisation', 'personal'] as const;
export type EndEntityProfile = (typeof EndEntityProfiles)[number];

export interface EndEntitySubject {
  /** commonName, e.g. "Ủy ban nhân dân xã Tân Phú" or "Nguyễn Văn An". */
  cn: string;
  /** organizationName (the agency). Required for `personal`, defaults to `cn` for `organisation`. */
  o?: string;
  ou?: string;
  l?: string;
  st?: string;
  /** Country, default "VN". */
  c?: string;
  /** Job title ("chức vụ"), `personal` only. */
  title?: string;
  email?: string;
}

export interface IssueEndEntityParams {
  profile: EndEntityProfile;
  subject: EndEntitySubject;
  subjectPublicKey: KeyObject;
  issuer: CaCredentials;
  notBefore: Date;
  notAfter: Date;
  crlUrl?: string;
  caIssuersUrl?: string;
  /** extKeyUsage purposes; default emailProtection + documentSigning. Pass [] to omit the extension. */
  extKeyUsage?: readonly string[];
  policies?: readonly string[];
}

/** Subject DN of an end-entity profile (RFC 5280 4.1.2.6), most general RDN first. */
export function endEntitySubject(profile: EndEntityProfile, s: EndEntitySubject): DnAttribute[] {
  const dn: DnAttribute[] = [{ type: 'C', value: s.c ?? 'VN' }];
  if (s.st) dn.push({ type: 'ST', value: s.st });
  if (s.l) dn.push({ type: 'L', value: s.l });
  const o = s.o ?? (profile === 'organisation' ? s.cn : undefined);
  if (profile === 'personal' && !o) throw new Error('personal profile requires an organisation (o)');
  if (o) dn.push({ type: 'O', value: o });
  if (s.ou) dn.push({ type: 'OU', value: s.ou });
  if (profile === 'personal' && s.title) dn.push({ type: 'title', value: s.title });
  dn.push({ type: 'CN', value: s.cn });
  return dn;
}

/**
 * Issues an end-entity signing certificate (basicConstraints cA=false critical, keyUsage digitalSignature +
 * nonRepudiation critical, extKeyUsage, certificatePolicies, CRL distribution point, AIA).
 *
 * @throws Error when the profile's required subject fields are missing.
 */
export function issueEndEntity(params: IssueEndEntityParams): IssuedCertificate {
  const eku = params.extKeyUsage ?? [Oid.emailProtection, Oid.documentSigning];
  const extensions = [
    basicConstraintsExtension(false),
    keyUsageExtension(['digitalSignature', 'nonRepudiation']),
    certificatePoliciesExtension(params.policies ?? [LIENTHONG_POLICY_OID]),
  ];
  if (eku.length) extensions.push(extKeyUsageExtension(eku));
  if (params.subject.email) extensions.push(subjectAltNameEmailExtension([params.subject.email]));
  if (params.crlUrl) extensions.push(crlDistributionPointsExtension([params.crlUrl]));
  if (params.caIssuersUrl) extensions.push(authorityInfoAccessExtension(params.caIssuersUrl));
  return issueCertificate({
    subject: endEntitySubject(params.profile, params.subject),
    subjectPublicKey: params.subjectPublicKey,
    issuer: params.issuer,
    notBefore: params.notBefore,
    notAfter: params.notAfter,
    extensions,
  });
}
