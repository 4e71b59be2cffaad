import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envelopeToEdxml, statusToEdxml } from '../../../edxml/lienthong';
import { readEdxml } from '../../../edxml/read';
import { signEdxmlWith, verifyEdxml } from '../../../edxml/signature';
import {
  edxmlInstant,
  edxmlToEnvelope,
  edxmlToStatus,
  type StoredAttachment,
} from '../../../edxml/to-lienthong';
import { writeEdxml } from '../../../edxml/write';
import { ENVELOPE_VERSION, STATUS_VERSION, type Envelope, type StatusMessage } from '../../../schemas/edxml';
import type { EdxmlEnvelope, EdxmlStatusMessage } from '../../../schemas/edxml-wire';
import { createTestPki } from '../../helpers/test-pki';

const NOW = new Date('2026-11-30T03:00:00Z');
const ATT: StoredAttachment = {
  name: 'Quyết định.pdf',
  contentType: 'application/pdf',
  sha256: 'a'.repeat(64),
  size: 1234,
  ref: 'lienthong-documents/' + 'a'.repeat(64),
};
const ctx = { messageId: 'edxml-1', attachments: [ATT], messageIdOf: (id: string) => `of:${id}`, now: NOW };

const ENVELOPE: Envelope = {
  version: ENVELOPE_VERSION,
  messageId: 'edxml-1',
  from: { code: '000.00.00.G22', name: 'Bộ Nội vụ' },
  to: [{ code: '000.01.01.H29', name: 'Ủy ban nhân dân xã Tân Phú' }],
  documentId: '000.00.00.G22,2026/11/28,1234/BNV-VP',
  code: { number: 1234, notation: 'BNV-VP' },
  promulgationInfo: { place: 'Hà Nội', date: '2026-11-28' },
  documentType: { code: 'CV', name: 'Công văn' },
  subject: 'Về việc triển khai liên thông văn bản với Ủy ban nhân dân xã Tân Phú',
  signerInfo: { competence: 'KT. BỘ TRƯỞNG', position: 'Thứ trưởng', fullName: 'Nguyễn Thị Bình' },
  priority: 2,
  dueDate: '2026-12-15',
  attachments: [ATT],
  businessDocType: 0,
  sentAt: '2026-11-28T02:30:00.000Z',
  attempt: 1,
};

describe('edXML → lienthong envelope', () => {
  it('round-trips lienthong → edXML → lienthong through the writer and reader, Vietnamese intact', () => {
    const xml = writeEdxml(envelopeToEdxml(ENVELOPE));
    const back = edxmlToEnvelope(readEdxml(xml) as EdxmlEnvelope, ctx);
    expect(back).toEqual({ ok: true, value: ENVELOPE, notes: [] });
  });

  it('reads a field sample liberally and says what it chose', () => {
    const m = readEdxml(
      readFileSync(join(__dirname, '../../conformance/edxml/envelope-prefixed.edxml'), 'utf8'),
    ) as EdxmlEnvelope;
    const r = edxmlToEnvelope(m, ctx);
    if (!r.ok) throw new Error(r.problems.join('; '));
    expect(r.value.documentId).toBe(m.header.documentId);
    expect(r.value.subject).toBe(m.header.subject);
    expect(r.value.code.number).toBe(Number(m.header.code!.codeNumber!.match(/^\d+/)![0]));
    expect(r.notes.some((n) => n.startsWith('MessageHeader/Code/CodeNumber'))).toBe(true);
  });

  it('refuses what lienthong cannot do without, naming the element', () => {
    const m = envelopeToEdxml(ENVELOPE);
    m.header.from = { organName: 'Bộ Nội vụ' };
    m.header.code = { codeNumber: 'không số' };
    m.header.promulgationInfo = { promulgationDate: 'hôm qua' };
    const r = edxmlToEnvelope(m, { ...ctx, attachments: [] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'MessageHeader/From/OrganId: missing',
      'MessageHeader/PromulgationInfo/PromulgationDate: "hôm qua" is not a date',
      'MessageHeader/Code/CodeNumber: "không số" has no positive number',
      'AttachmentEncoded: no attachment with content',
    ]);
  });

  it('maps a replacement to the earlier document and an odd priority to normal', () => {
    const m = envelopeToEdxml({
      ...ENVELOPE,
      businessDocType: 3,
      description: 'Thay thế văn bản ban hành nhầm',
      replaces: { messageId: 'x', documentId: '000.00.00.G22,2026/11/20,1200/BNV-VP' },
    });
    m.header.otherInfo = { priority: 'khẩn' };
    const r = edxmlToEnvelope(m, ctx);
    if (!r.ok) throw new Error(r.problems.join('; '));
    expect(r.value.replaces).toEqual({
      messageId: 'of:000.00.00.G22,2026/11/20,1200/BNV-VP',
      documentId: '000.00.00.G22,2026/11/20,1200/BNV-VP',
    });
    expect(r.value.priority).toBe(0);
    expect(r.notes).toEqual(['OtherInfo/Priority: "khẩn" is not 0–3; read as 0']);
  });

  it('reads platform times with or without a zone (Vietnam time when none)', () => {
    expect(edxmlInstant('2026/11/28 09:30:00')).toBe('2026-11-28T02:30:00.000Z');
    expect(edxmlInstant('2026-11-28T09:30:00+07:00')).toBe('2026-11-28T02:30:00.000Z');
    expect(edxmlInstant('2026-11-28T02:30:00Z')).toBe('2026-11-28T02:30:00.000Z');
    expect(edxmlInstant('28/11/2026')).toBeUndefined();
  });
});

describe('edXML → lienthong status', () => {
  const STATUS: StatusMessage = {
    version: STATUS_VERSION,
    messageId: 'doc-1',
    edxmlDocumentId: '000.01.01.H29,2026/11/29,5/UBND-VP',
    from: { code: '000.00.00.G22', name: 'Bộ Nội vụ' },
    to: '000.01.01.H29',
    statusCode: '02',
    reason: 'Sai thẩm quyền ban hành',
    description: 'Sai thẩm quyền ban hành',
    staff: 'Trần Văn Cường',
    at: '2026-11-30T02:00:00.000Z',
  };

  it('round-trips a rejection with its reason', () => {
    const m = readEdxml(writeEdxml(statusToEdxml(STATUS))) as EdxmlStatusMessage;
    const r = edxmlToStatus(m, { messageId: 'doc-1', to: '000.01.01.H29', now: NOW });
    expect(r).toEqual({ ok: true, value: STATUS, notes: [] });
  });

  it('refuses an unknown status code and a 02 without reason', () => {
    const odd = statusToEdxml({ ...STATUS, statusCode: '03', reason: undefined, description: undefined });
    odd.status.statusCode = '99';
    expect(edxmlToStatus(odd, { messageId: 'd', to: '000.01.01.H29', now: NOW }).ok).toBe(false);
    const bare = statusToEdxml({ ...STATUS, statusCode: '03', reason: undefined, description: undefined });
    bare.status.statusCode = '02';
    const r = edxmlToStatus(bare, { messageId: 'd', to: '000.01.01.H29', now: NOW });
    expect(r.ok ? [] : r.problems[0]).toMatch(/a rejection \(02\) needs a reason/);
  });
});

describe('signing with a Signer (server-held key)', () => {
  it('produces an enveloped signature that verifies with the chain, and detects a change', async () => {
    const pki = await createTestPki();
    const xml = writeEdxml(envelopeToEdxml(ENVELOPE));
    const signed = await signEdxmlWith(xml, pki.organisation.signer);
    const verdict = await verifyEdxml(signed, { anchors: pki.anchors, at: pki.at });
    expect(verdict).toMatchObject({ intact: true, coversHeader: true, valid: true });
    const tampered = signed.replace('Thứ trưởng', 'Bộ trưởng');
    expect((await verifyEdxml(tampered, { anchors: pki.anchors, at: pki.at }))?.valid).toBe(false);
  });
});
