/**
 * The few DOM members the codec uses. @xmldom/xmldom's own typings pull in TypeScript's "dom" lib, which changes
 * global types (fetch bodies, BufferSource) for the whole project; so the library is required untyped and seen
 * through these interfaces.
 */
export interface XNode {
  nodeType: number;
  nodeName: string;
  nodeValue: string | null;
  textContent: string | null;
  firstChild: XNode | null;
  nextSibling: XNode | null;
  childNodes: ArrayLike<XNode>;
}
export interface XElement extends XNode {
  localName: string | null;
  namespaceURI: string | null;
  getAttribute(name: string): string | null;
}
export interface XDocument extends XNode {
  documentElement: XElement | null;
}
interface XmlDom {
  DOMParser: new (options: {
    errorHandler: Record<'warning' | 'error' | 'fatalError', (m: string) => unknown>;
  }) => { parseFromString(xml: string, type: string): XDocument | undefined };
  XMLSerializer: new () => { serializeToString(node: XNode): string };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DOMParser, XMLSerializer } = require('@xmldom/xmldom') as XmlDom;

/** A structural problem that makes a file unreadable as edXML; `element` names where the reader gave up. */
export class EdxmlError extends Error {
  override readonly name = 'EdxmlError';
  constructor(
    message: string,
    readonly element?: string,
  ) {
    super(message);
  }
}

export const XMLDSIG_NAMESPACE = 'http://www.w3.org/2000/09/xmldsig#';
const ELEMENT_NODE = 1;

/**
 * Parses XML into a DOM, refusing malformed input (xmldom otherwise recovers silently): fatal errors and unclosed
 * elements throw; an unknown entity (`&nbsp;` from a word processor) is only noted in `notes`, as the rest of the
 * file is still readable. DOCTYPEs are refused: an exchange file has no business declaring entities.
 */
export function parseXml(xml: string, notes: string[] = []): XDocument {
  if (/<!DOCTYPE/i.test(xml)) throw new EdxmlError('a DOCTYPE is not allowed in an edXML file', '!DOCTYPE');
  const problems: string[] = [];
  const first = (m: string) => m.split('\n')[0]!.replace(/^\[xmldom \w+\]\s*/, '');
  const doc = new DOMParser({
    errorHandler: {
      warning: (m: string) => (/unclosed|not match/i.test(m) ? problems.push(first(m)) : undefined),
      error: (m: string) => (/entity not found/i.test(m) ? notes.push(first(m)) : problems.push(first(m))),
      fatalError: (m: string) => problems.push(first(m)),
    },
  }).parseFromString(xml, 'text/xml');
  const root = doc?.documentElement;
  if (problems.length > 0 || !root)
    throw new EdxmlError(`not well-formed XML: ${problems[0] ?? 'no root element'}`);
  return doc as XDocument;
}

export function localName(el: XElement): string {
  return el.localName ?? el.nodeName.replace(/^.*:/, '');
}

export function childElements(el: XElement): XElement[] {
  const out: XElement[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) out.push(n as XElement);
  return out;
}

/** First child with this local name, whatever its prefix or namespace (real files differ). */
export function child(el: XElement, name: string): XElement | undefined {
  return childElements(el).find((c) => localName(c) === name);
}

/** Text of a leaf element, outer whitespace trimmed (pretty-printed files indent their values). */
export function leafText(el: XElement): string {
  return (el.textContent ?? '').trim();
}

export function isSignature(el: XElement): boolean {
  return localName(el) === 'Signature' && (el.namespaceURI === XMLDSIG_NAMESPACE || el.namespaceURI === null);
}

export function serialize(node: XNode): string {
  return new XMLSerializer().serializeToString(node);
}

/** Escapes text for element content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** File bytes as text: UTF-16 when a byte-order mark says so (some Windows tools save that way), else UTF-8. */
export function decodeXmlBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b[0] === 0xfe && b[1] === 0xff) return Buffer.from(b.subarray(2)).swap16().toString('utf16le');
  return b.toString('utf8').replace(/^\uFEFF/, '');
}
