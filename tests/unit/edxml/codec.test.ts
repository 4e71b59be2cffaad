import { EdxmlError, decodeXmlBytes } from '../../../edxml/dom';
import { modelFromJson } from '../../../edxml/lienthong';
import { readEdxml } from '../../../edxml/read';
import { signEdxml, verifyEdxml } from '../../../edxml/signature';
import { writeEdxml } from '../../../edxml/write';
import { ENVELOPE_VERSION, type Envelope } from '../../../schemas/edxml';
import type { EdxmlEnvelope, EdxmlStatusMessage } from '../../../schemas/edxml-wire';
import { createTestPki, TEST_PKI_AT, type TestPki } from '../../helpers/test-pki';

const NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
const envelope = (header: string, rest = '') =>
  `<?xml version="1.0" encoding="UTF-8"?><edXMLEnvelope xmlns="${NS}"><edXMLHeader><MessageHeader>${header}</MessageHeader></edXMLHeader>${rest}</edXMLEnvelope>`;

function readError(xml: string): EdxmlError {
  try {
    readEdxml(xml);
  } catch (err) {
    expect(err).toBeInstanceOf(EdxmlError);
    return err as EdxmlError;
  }
  throw new Error('expected an EdxmlError');
}

describe('edXML reader: liberal', () => {
  it('names the element when a file is not edXML', () => {
    expect(readError('<html><body/></html>').element).toBe('html');
    expect(readError(`<edXMLEnvelope xmlns="${NS}"/>`).element).toBe('edXMLHeader');
    expect(readError(`<edXMLEnvelope><edXMLHeader><Foo/></edXMLHeader></edXMLEnvelope>`).element).toBe(
      'MessageHeader',
    );
    expect(readError('<edXMLEnvelope><unclosed></edXMLEnvelope>').message).toMatch(/not well-formed/);
    const nbsp = readEdxml(envelope('<Subject>a&nbsp;b</Subject>')) as EdxmlEnvelope;
    expect(nbsp.header.subject).toBe('a&nbsp;b');
    expect(nbsp.unmapped[0]).toMatch(/entity not found/);
    expect(readError('<!DOCTYPE x [<!ENTITY a "b">]><x/>').message).toMatch(/DOCTYPE/);
  });

  it('accepts any prefix or none, and normalises dates it knows', () => {
    const xml = `<e:edXMLEnvelope xmlns:e="${NS}"><e:edXMLHeader><e:MessageHeader>
      <e:DocumentId>000.00.31.H29,2026/11/20,74fass22/UBND</e:DocumentId>
      <e:PromulgationInfo><e:PromulgationDate>20/11/2026</e:PromulgationDate></e:PromulgationInfo>
      <e:DueDate>sớm nhất có thể</e:DueDate>
      <e:Code><e:CodeNumber>74fass22</e:CodeNumber></e:Code>
    </e:MessageHeader></e:edXMLHeader></e:edXMLEnvelope>`;
    const m = readEdxml(xml) as EdxmlEnvelope;
    expect(m.header.documentId).toBe('000.00.31.H29,2026/11/20,74fass22/UBND');
    expect(m.header.promulgationInfo?.promulgationDate).toBe('2026-11-20');
    expect(m.header.dueDate).toBe('sớm nhất có thể');
    expect(m.header.code?.codeNumber).toBe('74fass22');
    expect(m.unmapped).toEqual([
      'MessageHeader/DueDate: "sớm nhất có thể" is not a date this reader knows; kept as written',
      'MessageHeader/Code/CodeNumber: "74fass22" is not a number; kept as written',
    ]);
  });

  it('keeps unknown elements where they were and writes them back', () => {
    const xml = envelope(
      '<Subject>Ủy ban nhân dân xã Tân Phú</Subject><From><OrganId>A</OrganId><Zalo>0909</Zalo></From><X-Extra a="1">v</X-Extra>',
      '<Custom>c</Custom>',
    );
    const m = readEdxml(xml) as EdxmlEnvelope;
    expect(m.extensions.map((e) => e.parent)).toEqual([
      'MessageHeader/From',
      'MessageHeader',
      'edXMLEnvelope',
    ]);
    const out = writeEdxml(m);
    expect(out).toContain('<Zalo xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">0909</Zalo>');
    expect(out).toContain('a="1"');
    expect(readEdxml(out)).toEqual(m);
    expect(out).toContain('<Subject>Ủy ban nhân dân xã Tân Phú</Subject>');
  });

  it('reads attachment content from Value, ContentTransferEncoded or the element text', () => {
    const att = (inner: string) =>
      (
        readEdxml(
          envelope('', `<AttachmentEncoded><Attachment>${inner}</Attachment></AttachmentEncoded>`),
        ) as EdxmlEnvelope
      ).attachments[0]!.contentBase64;
    expect(att('<ContentId>1</ContentId><Value>QUJD\n REVG</Value>')).toBe('QUJDREVG');
    expect(att('<ContentTransferEncoded>QUJD</ContentTransferEncoded>')).toBe('QUJD');
    expect(att('QUJD<AttachmentName>a.pdf</AttachmentName>')).toBe('QUJD');
  });

  it('reads a status wrapped in MessageHeader or bare', () => {
    const bare = readEdxml(
      `<Status xmlns="${NS}"><StatusCode>02</StatusCode><Description>Sai thể thức</Description></Status>`,
    ) as EdxmlStatusMessage;
    expect(bare.status).toEqual({ statusCode: '02', description: 'Sai thể thức' });
    expect(bare.unmapped).toEqual([]);
    const odd = readEdxml(`<Status xmlns="${NS}"><StatusCode>3</StatusCode></Status>`) as EdxmlStatusMessage;
    expect(odd.status.statusCode).toBe('3');
    expect(odd.unmapped).toEqual(['Status/StatusCode: "3" is not a code of QCVN 102:2016; kept as written']);
  });
});

describe('edXML writer: strict', () => {
  it('refuses what is not a model', () => {
    expect(() => writeEdxml({ kind: 'envelope' })).toThrow(EdxmlError);
    expect(() => writeEdxml(null)).toThrow(/not an edXML model/);
  });

  it('writes a lienthong envelope as edXML', () => {
    const e: Envelope = {
      version: ENVELOPE_VERSION,
      messageId: 'doc-1',
      from: { code: '000.00.31.H29', name: 'Ủy ban nhân dân xã Tân Phú' },
      to: [{ code: '000.00.12.H29', name: 'Sở Nội vụ' }],
      documentId: '000.00.31.H29,2026/11/20,74/UBND-VP',
      code: { number: 74, notation: 'UBND-VP' },
      promulgationInfo: { place: 'Tân Phú', date: '2026-11-20' },
      documentType: { code: 'CV', name: 'Công văn' },
      subject: 'V/v báo cáo',
      signerInfo: { competence: 'KT. CHỦ TỊCH', position: 'PHÓ CHỦ TỊCH', fullName: 'Nguyễn Văn An' },
      priority: 1,
      attachments: [
        { name: 'a.pdf', contentType: 'application/pdf', sha256: 'a'.repeat(64), size: 3, ref: 'b/a.pdf' },
      ],
      businessDocType: 0,
      sentAt: '2026-11-20T08:00:00+07:00',
      attempt: 1,
    };
    const m = readEdxml(writeEdxml(modelFromJson(e))) as EdxmlEnvelope;
    expect(m.header).toMatchObject({
      documentId: e.documentId,
      subject: 'V/v báo cáo',
      from: { organId: '000.00.31.H29', organName: 'Ủy ban nhân dân xã Tân Phú' },
      code: { codeNumber: '74', codeNotation: 'UBND-VP' },
      otherInfo: { priority: '1' },
    });
    expect(m.manifest[0]).toMatchObject({ attachmentName: 'a.pdf', contentId: `sha256:${'a'.repeat(64)}` });
    expect(() => modelFromJson({ ...e, subject: '' })).toThrow(/invalid envelope/);
  });
});

describe('edXML signature', () => {
  let pki: TestPki;
  let signed: string;
  const at = TEST_PKI_AT;
  beforeAll(async () => {
    pki = await createTestPki();
    const xml = envelope(
      '<From><OrganId>000.00.31.H29</OrganId></From><DocumentId>X,2026/11/20,1/A</DocumentId><Subject>Tân Phú</Subject>',
      '<AttachmentEncoded><Attachment><Value>QUJD</Value></Attachment></AttachmentEncoded>',
    );
    signed = signEdxml(xml, pki.organisation.privateKey, [
      pki.organisation.certificate,
      pki.issuing.certificate,
    ]);
  });

  it('verifies against the root and names the signer', async () => {
    const v = await verifyEdxml(signed, { anchors: [pki.root.certificate], at });
    expect(v).toMatchObject({ valid: true, intact: true, coversHeader: true });
    expect(v?.signer).toContain('Ủy ban nhân dân xã Tân Phú');
  });

  it('fails when a byte of the header or of an attachment changes', async () => {
    for (const [from, to] of [
      ['<Subject>Tân Phú', '<Subject>Tân Phu'],
      ['<OrganId>000.00.31.H29', '<OrganId>000.00.31.H28'],
      ['<Value>QUJD', '<Value>QUJE'],
    ] as const) {
      const tampered = signed.replace(from, to);
      expect(tampered).not.toBe(signed);
      const v = await verifyEdxml(tampered, { anchors: [pki.root.certificate], at });
      expect(v).toMatchObject({ valid: false, intact: false });
    }
  });

  it('is not valid against another anchor, nor without one', async () => {
    const other = await createTestPki();
    const v = await verifyEdxml(signed, { anchors: [other.root.certificate], at });
    expect(v).toMatchObject({ valid: false, intact: true, chain: { valid: false } });
    expect(await verifyEdxml(signed, { at })).toMatchObject({
      valid: false,
      reason: 'no trust anchor given',
    });
  });

  it('fails on a certificate that does not decode or does not match the signing key', async () => {
    const garbled = signed.replace(/<X509Certificate>[^<]{10}/, '<X509Certificate>AAAAAAAAAA');
    expect(await verifyEdxml(garbled, { anchors: [pki.root.certificate], at })).toMatchObject({
      valid: false,
      reason: 'the first X509Certificate does not decode',
    });
    const xml = envelope('<Subject>s</Subject>');
    const mismatched = signEdxml(xml, pki.organisation.privateKey, [pki.personal.certificate]);
    expect(await verifyEdxml(mismatched, { anchors: [pki.root.certificate], at })).toMatchObject({
      valid: false,
      intact: false,
    });
  });

  it('reports an unsigned file as such and refuses to sign twice', async () => {
    expect(await verifyEdxml(envelope('<Subject>s</Subject>'), { at })).toBeUndefined();
    expect(() => signEdxml(signed, pki.organisation.privateKey, [pki.organisation.certificate])).toThrow(
      /already signed/,
    );
  });
});

describe('edXML input forms', () => {
  const status = `<Status xmlns="${NS}"><StatusCode>13</StatusCode></Status>`;

  it('finds the edXML inside a transport wrapper and says it dropped the wrapper', () => {
    const m = readEdxml(`<soap:Envelope xmlns:soap="urn:s"><soap:Body>${status}</soap:Body></soap:Envelope>`);
    expect(m).toMatchObject({ kind: 'status', status: { statusCode: '13' } });
    expect(m.unmapped).toEqual(['<soap:Envelope>: a wrapper around <Status>, dropped']);
  });

  it('decodes UTF-8 with or without a BOM and UTF-16 either way round', () => {
    const text = `<?xml version="1.0"?>${status.replace('13', 'Tân Phú')}`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    for (const bytes of [le, be, bom, Buffer.from(text)]) expect(decodeXmlBytes(bytes)).toBe(text);
  });
});

it('reads an envelope whose parts sit straight in edXMLEnvelope, and writes the header back', () => {
  const xml = `<edXMLEnvelope xmlns="${NS}"><MessageHeader><DocumentId>A,2026/01/02,3/B</DocumentId></MessageHeader><TraceHeaderList><TraceHeader><OrganId>A</OrganId></TraceHeader></TraceHeaderList><edXMLBody><edXMLManifest><Reference><ContentId>1</ContentId></Reference></edXMLManifest></edXMLBody></edXMLEnvelope>`;
  const m = readEdxml(xml) as EdxmlEnvelope;
  expect(m).toMatchObject({ header: { documentId: 'A,2026/01/02,3/B' }, traces: [{ organId: 'A' }] });
  expect(m.manifest).toEqual([{ contentId: '1' }]);
  expect(m.extensions).toEqual([]);
  const again = readEdxml(writeEdxml(m));
  expect(again).toEqual({ ...m, unmapped: [] });
});

it('flattens markup inside a Subject to its text and says so', () => {
  const m = readEdxml(envelope('<Subject>V/v họp<br/> giao ban</Subject>')) as EdxmlEnvelope;
  expect(m.header.subject).toBe('V/v họp giao ban');
  expect(m.unmapped).toEqual(['MessageHeader/Subject: markup inside flattened to its text']);
});
