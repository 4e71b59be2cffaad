import { DerError, children, expectTag, int, readDer, seq, tlv } from '../../pdf/cms/der';

/** PKIStatus values (RFC 3161 2.4.2, RFC 4210 5.2.3). */
export const PkiStatus = { granted: 0, grantedWithMods: 1, rejection: 2, waiting: 3 } as const;

/** PKIFailureInfo bits (RFC 3161 2.4.2). */
export const FailureInfoBits = {
  badAlg: 0,
  badRequest: 2,
  badDataFormat: 5,
  timeNotAvailable: 14,
  unacceptedPolicy: 15,
  unacceptedExtension: 16,
  addInfoNotAvailable: 17,
  systemFailure: 25,
} as const;
export type FailureInfo = keyof typeof FailureInfoBits;

/** DER named BIT STRING with one bit set, trailing zero bits removed (X.690 11.2.2). */
function failureInfoBits(failure: FailureInfo): Buffer {
  const bit = FailureInfoBits[failure];
  const bytes = new Uint8Array((bit >> 3) + 1);
  bytes[bit >> 3] = 0x80 >> (bit & 7);
  return tlv(0x03, Uint8Array.of(7 - (bit & 7)), bytes);
}

/** TimeStampResp granting `token` (RFC 3161 2.4.2). */
export function grantedResponse(token: Uint8Array): Buffer {
  return seq(seq(int(PkiStatus.granted)), token);
}

/** TimeStampResp refusing the request, with a reason text and the failure bit (RFC 3161 2.4.2). */
export function rejectionResponse(failure: FailureInfo, text: string): Buffer {
  const statusString = seq(tlv(0x0c, Buffer.from(text, 'utf8')));
  return seq(seq(int(PkiStatus.rejection), statusString, failureInfoBits(failure)));
}

/** A parsed TimeStampResp: the status, its texts, the failure bit set, and the token when granted. */
export interface TimestampResponse {
  status: number;
  statusText: string[];
  failure?: FailureInfo;
  token?: Uint8Array;
}

/** Parses a TimeStampResp (RFC 3161 2.4.2). @throws DerError on a malformed structure. */
export function parseTimestampResponse(der: Uint8Array): TimestampResponse {
  const top = readDer(der, 0);
  if (top.end !== der.length) throw new DerError('data after TimeStampResp');
  const [statusInfo, token] = children(expectTag(top, 0x30, 'TimeStampResp'));
  const f = children(expectTag(statusInfo, 0x30, 'PKIStatusInfo'));
  const status = expectTag(f[0], 0x02, 'status').value;
  const out: TimestampResponse = { status: status.length === 1 ? status[0]! : -1, statusText: [] };
  for (const x of f.slice(1)) {
    if (x.tag === 0x30)
      out.statusText = children(x).map((s) => Buffer.from(expectTag(s, 0x0c, 'UTF8String').value).toString());
    if (x.tag === 0x03) {
      const bits = x.value.subarray(1);
      for (const [name, bit] of Object.entries(FailureInfoBits))
        if ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) out.failure = name as FailureInfo;
    }
  }
  if (token) out.token = expectTag(token, 0x30, 'TimeStampToken').raw;
  return out;
}
