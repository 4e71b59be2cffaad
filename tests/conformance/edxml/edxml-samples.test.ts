import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { readEdxml } from '../../../edxml/read';
import { signEdxml, verifyEdxml } from '../../../edxml/signature';
import { writeEdxml } from '../../../edxml/write';
import { createTestPki, TEST_PKI_AT, type TestPki } from '../../helpers/test-pki';

/** Samples beside this file (see SOURCES.md): every modelled field survives build(parse(x)), signed or not. */
const dir = __dirname;
const samples = readdirSync(dir).filter((f) => f.endsWith('.edxml'));
const load = (f: string) => readFileSync(path.join(dir, f), 'utf8');

/** The value of a leaf element as the file spells it, found without the codec (prefix-agnostic regex). */
function raw(xml: string, element: string): string | undefined {
  const m = xml.match(
    new RegExp(`<(?:\\w+:)?${element}>(?:<!\\[CDATA\\[)?([\\s\\S]*?)(?:\\]\\]>)?</(?:\\w+:)?${element}>`),
  );
  return m?.[1]?.trim().replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

describe('edXML samples', () => {
  let pki: TestPki;
  beforeAll(async () => {
    pki = await createTestPki();
  });

  it('has samples of envelopes and statuses', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(samples)('%s: DocumentId, Subject and StatusCode come out as in the file', (f) => {
    const xml = load(f);
    const m = readEdxml(xml);
    if (m.kind === 'envelope') {
      expect(m.header.documentId).toBe(raw(xml, 'DocumentId'));
      expect(m.header.subject).toBe(raw(xml, 'Subject'));
    } else {
      expect(m.status.statusCode).toBe(raw(xml, 'StatusCode'));
      expect(m.status.responseFor?.documentId).toBe(raw(xml, 'DocumentId'));
    }
  });

  it.each(samples)('%s: build(parse(x)) preserves every modelled field and kept element', (f) => {
    const first = readEdxml(load(f));
    const again = readEdxml(writeEdxml(first));
    // Notes on the sender's layout (a wrapper, business in the trace list) are about the file read, not the model:
    // lienthong writes the standard layout, so they do not come back.
    const layout = /a wrapper around|read as MessageHeader\/Bussiness/;
    // The notes' order follows the reading order, which the layout changes too.
    const notes = (m: typeof first) => m.unmapped.filter((n) => !layout.test(n)).sort();
    expect({ ...again, unmapped: notes(again) }).toEqual({ ...first, unmapped: notes(first) });
  });

  it('reads the platform SDK layout: envelope wrapped in <edXML>, attachments beside it, business in the trace list', () => {
    const m = readEdxml(load('envelope-sdk-wrapper.edxml'));
    if (m.kind !== 'envelope') throw new Error('not an envelope');
    expect(m.header.business).toMatchObject({
      businessDocType: '0',
      businessDocReason: 'Van ban dien tu moi',
    });
    expect(m.attachments).toEqual([
      expect.objectContaining({
        contentId: '6f1c',
        attachmentName: 'cv.pdf',
        contentBase64: 'JVBERi0xLjQKJcTl8uXr',
      }),
    ]);
    expect(m.extensions.some((e) => e.xml.includes('Trần Thị B'))).toBe(true);
  });

  it.each(samples.filter((f) => f.startsWith('envelope')))('%s: signed round trip verifies', async (f) => {
    const xml = writeEdxml(readEdxml(load(f)));
    const signed = signEdxml(xml, pki.organisation.privateKey, [
      pki.organisation.certificate,
      pki.issuing.certificate,
    ]);
    const verdict = await verifyEdxml(signed, { anchors: [pki.root.certificate], at: TEST_PKI_AT });
    expect(verdict).toMatchObject({
      valid: true,
      intact: true,
      coversHeader: true,
      chain: { code: 'VALID' },
    });
    const reread = readEdxml(signed);
    expect(reread.signed).toBe(true);
    expect({ ...reread, signed: false }).toEqual(readEdxml(xml));
  });
});
