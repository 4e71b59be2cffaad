import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { Oid } from '../oids';

/** Short attribute names accepted in a {@link DnAttribute} (RFC 4514 Section 3 plus `title`, `emailAddress`). */
export const DnAttributeTypes = {
  C: Oid.country,
  ST: Oid.stateOrProvince,
  L: Oid.locality,
  O: Oid.organization,
  OU: Oid.organizationalUnit,
  CN: Oid.commonName,
  title: Oid.title,
  serialNumber: Oid.serialNumber,
  emailAddress: Oid.emailAddress,
  givenName: Oid.givenName,
  SN: Oid.surname,
  DC: Oid.domainComponent,
  UID: Oid.userId,
} as const;
export type DnAttributeType = keyof typeof DnAttributeTypes;

/** One single-valued RDN of a distinguished name, in the order written into the certificate (most general first). */
export interface DnAttribute {
  type: DnAttributeType;
  value: string;
}

/**
 * Encodes a distinguished name (RFC 5280 4.1.2.4). Directory strings are UTF8String as RFC 5280 requires for new
 * certificates, so Vietnamese names keep their diacritics; `C` and `serialNumber` are PrintableString and
 * `emailAddress`/`DC` IA5String as their ASN.1 definitions demand.
 */
export function encodeName(attributes: readonly DnAttribute[]): asn1js.Sequence {
  return new asn1js.Sequence({
    value: attributes.map(
      (a) =>
        new asn1js.Set({
          value: [
            new asn1js.Sequence({
              value: [new asn1js.ObjectIdentifier({ value: DnAttributeTypes[a.type] }), encodeValue(a)],
            }),
          ],
        }),
    ),
  });
}

/** Encodes a name as a pkijs `RelativeDistinguishedNames` that re-serialises to exactly the same bytes. */
export function toPkijsName(attributes: readonly DnAttribute[]): pkijs.RelativeDistinguishedNames {
  const der = encodeName(attributes).toBER(false);
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(der).result });
}

function encodeValue(a: DnAttribute): asn1js.BaseBlock {
  switch (a.type) {
    case 'C':
    case 'serialNumber':
      return new asn1js.PrintableString({ value: a.value });
    case 'emailAddress':
    case 'DC':
      return new asn1js.IA5String({ value: a.value });
    default:
      return new asn1js.Utf8String({ value: a.value });
  }
}
