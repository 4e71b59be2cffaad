import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { KeyUsageBits, type KeyUsageName } from '../types';
import { Oid } from '../oids';

function ext(extnID: string, critical: boolean, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value.toBER(false) });
}

/** basicConstraints (RFC 5280 4.2.1.9), always critical as CA certificates require. */
export function basicConstraintsExtension(ca: boolean, pathLen?: number): pkijs.Extension {
  const bc = new pkijs.BasicConstraints(
    ca ? (pathLen === undefined ? { cA: true } : { cA: true, pathLenConstraint: pathLen }) : {},
  );
  return ext(Oid.basicConstraints, true, bc.toSchema());
}

/** keyUsage (RFC 5280 4.2.1.3), critical, DER-minimal named BIT STRING. */
export function keyUsageExtension(usages: readonly KeyUsageName[]): pkijs.Extension {
  let bits = 0;
  for (const u of usages) bits |= 1 << KeyUsageBits[u];
  const highest = Math.max(...usages.map((u) => KeyUsageBits[u]));
  const byteCount = highest >= 8 ? 2 : 1;
  const bytes = new Uint8Array(byteCount);
  for (let i = 0; i <= highest; i++) if (bits & (1 << i)) bytes[i >> 3] |= 0x80 >> (i & 7);
  const unusedBits = byteCount * 8 - 1 - highest;
  return ext(Oid.keyUsage, true, new asn1js.BitString({ valueHex: bytes, unusedBits }));
}

/** subjectKeyIdentifier (RFC 5280 4.2.1.2). */
export function subjectKeyIdentifierExtension(keyId: Uint8Array): pkijs.Extension {
  return ext(Oid.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyId }));
}

/** authorityKeyIdentifier (RFC 5280 4.2.1.1, 5.2.1), keyIdentifier form. */
export function authorityKeyIdentifierExtension(keyId: Uint8Array): pkijs.Extension {
  const aki = new pkijs.AuthorityKeyIdentifier({
    keyIdentifier: new asn1js.OctetString({ valueHex: keyId }),
  });
  return ext(Oid.authorityKeyIdentifier, false, aki.toSchema());
}

/** cRLDistributionPoints (RFC 5280 4.2.1.13): one full-name URI per point. */
export function crlDistributionPointsExtension(urls: readonly string[]): pkijs.Extension {
  const dps = new pkijs.CRLDistributionPoints({
    distributionPoints: urls.map(
      (url) =>
        new pkijs.DistributionPoint({ distributionPoint: [new pkijs.GeneralName({ type: 6, value: url })] }),
    ),
  });
  return ext(Oid.cRLDistributionPoints, false, dps.toSchema());
}

/** authorityInfoAccess (RFC 5280 4.2.2.1): caIssuers and optional OCSP URIs. */
export function authorityInfoAccessExtension(caIssuers?: string, ocsp?: string): pkijs.Extension {
  const descriptions: pkijs.AccessDescription[] = [];
  if (ocsp) {
    descriptions.push(
      new pkijs.AccessDescription({
        accessMethod: Oid.ocsp,
        accessLocation: new pkijs.GeneralName({ type: 6, value: ocsp }),
      }),
    );
  }
  if (caIssuers) {
    descriptions.push(
      new pkijs.AccessDescription({
        accessMethod: Oid.caIssuers,
        accessLocation: new pkijs.GeneralName({ type: 6, value: caIssuers }),
      }),
    );
  }
  return ext(
    Oid.authorityInfoAccess,
    false,
    new pkijs.InfoAccess({ accessDescriptions: descriptions }).toSchema(),
  );
}

/** certificatePolicies (RFC 5280 4.2.1.4), policy identifiers without qualifiers. */
export function certificatePoliciesExtension(policyOids: readonly string[]): pkijs.Extension {
  const cp = new pkijs.CertificatePolicies({
    certificatePolicies: policyOids.map(
      (policyIdentifier) => new pkijs.PolicyInformation({ policyIdentifier }),
    ),
  });
  return ext(Oid.certificatePolicies, false, cp.toSchema());
}

/** extKeyUsage (RFC 5280 4.2.1.12), non-critical. */
export function extKeyUsageExtension(purposes: readonly string[]): pkijs.Extension {
  return ext(Oid.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: [...purposes] }).toSchema());
}

/** subjectAltName (RFC 5280 4.2.1.6) with rfc822Name entries. */
export function subjectAltNameEmailExtension(emails: readonly string[]): pkijs.Extension {
  const names = new pkijs.GeneralNames({
    names: emails.map((e) => new pkijs.GeneralName({ type: 1, value: e })),
  });
  return ext(Oid.subjectAltName, false, names.toSchema());
}
