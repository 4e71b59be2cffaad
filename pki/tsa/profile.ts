import type { KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import { OID } from '../../pdf/cms/oids';
import { LIENTHONG_POLICY_OID, Oid } from '../oids';
import {
  authorityInfoAccessExtension,
  basicConstraintsExtension,
  certificatePoliciesExtension,
  crlDistributionPointsExtension,
  keyUsageExtension,
} from '../ca/extensions';
import { type CaCredentials, type IssuedCertificate, issueCertificate } from '../ca/issue-certificate';

/** Policy under which the province TSA issues time-stamps (TSTInfo.policy; a private-arc development OID). */
export const LIENTHONG_TSA_POLICY_OID = '1.3.6.1.4.1.99999.1.2';

export interface IssueTsaParams {
  /** commonName, e.g. "Dịch vụ cấp dấu thời gian tỉnh Hòa An". */
  commonName: string;
  organisation: string;
  subjectPublicKey: KeyObject;
  issuer: CaCredentials;
  notBefore: Date;
  notAfter: Date;
  crlUrl?: string;
  caIssuersUrl?: string;
}

/**
 * Issues a TSA certificate (RFC 3161 2.3): extKeyUsage id-kp-timeStamping as its only purpose, marked critical as
 * RFC 3161 requires; keyUsage digitalSignature + nonRepudiation (ETSI EN 319 422 5.3), not a CA.
 */
export function issueTsaCertificate(p: IssueTsaParams): IssuedCertificate {
  const eku = new pkijs.Extension({
    extnID: Oid.extKeyUsage,
    critical: true,
    extnValue: new pkijs.ExtKeyUsage({ keyPurposes: [OID.kpTimeStamping] }).toSchema().toBER(false),
  });
  const extensions = [
    basicConstraintsExtension(false),
    keyUsageExtension(['digitalSignature', 'nonRepudiation']),
    eku,
    certificatePoliciesExtension([LIENTHONG_POLICY_OID]),
  ];
  if (p.crlUrl) extensions.push(crlDistributionPointsExtension([p.crlUrl]));
  if (p.caIssuersUrl) extensions.push(authorityInfoAccessExtension(p.caIssuersUrl));
  return issueCertificate({
    subject: [
      { type: 'C', value: 'VN' },
      { type: 'O', value: p.organisation },
      { type: 'CN', value: p.commonName },
    ],
    subjectPublicKey: p.subjectPublicKey,
    issuer: p.issuer,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    extensions,
  });
}
