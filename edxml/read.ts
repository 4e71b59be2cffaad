import {
  EDXML_MODEL_VERSION,
  type EdxmlAttachment,
  type EdxmlEnvelope,
  type EdxmlExtension,
  type EdxmlMessage,
  type EdxmlMessageHeader,
  type EdxmlOrgan,
  type EdxmlStatus,
  type EdxmlStatusMessage,
} from '../schemas/edxml-wire';
import {
  EdxmlError,
  type XElement,
  child,
  childElements,
  isSignature,
  leafText,
  localName,
  parseXml,
  serialize,
} from './dom';

/**
 * Reader of edXML envelopes and status messages (QCVN 102:2016). Liberal: elements are matched by local name
 * whatever their prefix or namespace, optional parts may be missing, odd values are kept as written. What it cannot
 * map goes to `extensions` (as XML, for the writer) and is listed in `unmapped`.
 */

interface Ctx {
  extensions: EdxmlExtension[];
  unmapped: string[];
  signed: boolean;
}

type Leaves = Record<string, string | undefined>;

/** Keeps an element the model does not name (a signature only marks the message as signed). */
function keep(el: XElement, parent: string, ctx: Ctx): void {
  if (isSignature(el)) {
    ctx.signed = true;
    return;
  }
  ctx.extensions.push({ parent, xml: serialize(el) });
  ctx.unmapped.push(`${parent}/${localName(el)}: not modelled, kept as XML`);
}

/** Reads the leaf children named in `map` (element name → JSON key); any other child is kept. */
function readLeaves(el: XElement, map: Record<string, string>, path: string, ctx: Ctx): Leaves {
  const out: Leaves = {};
  for (const c of childElements(el)) {
    const key = map[localName(c)];
    if (key !== undefined && childElements(c).length === 0 && out[key] === undefined) out[key] = leafText(c);
    else keep(c, path, ctx);
  }
  return out;
}

const DATE_FORMS: Array<[RegExp, (m: RegExpMatchArray) => [string, string, string]]> = [
  [/^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[T ].*)?$/, (m) => [m[1]!, m[2]!, m[3]!]],
  [/^(\d{1,2})[/-](\d{1,2})[/-](\d{4})(?:[T ].*)?$/, (m) => [m[3]!, m[2]!, m[1]!]],
];

/** `yyyy/MM/dd`, `yyyy-MM-dd`, `dd/MM/yyyy` (optionally with a time) → `yyyy-MM-dd`; anything else kept and noted. */
export function normaliseDate(raw: string | undefined, where: string, ctx: Ctx): string | undefined {
  if (raw === undefined || raw === '') return raw;
  for (const [re, parts] of DATE_FORMS) {
    const m = raw.match(re);
    if (!m) continue;
    const [y, mo, d] = parts(m);
    const iso = `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`;
    const t = new Date(`${iso}T00:00:00Z`);
    if (!Number.isNaN(t.getTime()) && t.toISOString().startsWith(iso)) return iso;
  }
  ctx.unmapped.push(`${where}: "${raw}" is not a date this reader knows; kept as written`);
  return raw;
}

const ORGAN = {
  OrganId: 'organId',
  OrganName: 'organName',
  OrganizationInCharge: 'organizationInCharge',
  OrganAdd: 'organAdd',
  Email: 'email',
  Telephone: 'telephone',
  Fax: 'fax',
  Website: 'website',
};
const RESPONSE_FOR = {
  OrganId: 'organId',
  Code: 'code',
  PromulgationDate: 'promulgationDate',
  DocumentId: 'documentId',
};

function readResponseFor(el: XElement, path: string, ctx: Ctx) {
  const r = readLeaves(el, RESPONSE_FOR, path, ctx);
  return { ...r, promulgationDate: normaliseDate(r.promulgationDate, `${path}/PromulgationDate`, ctx) };
}

function readPlaces(el: XElement, path: string, ctx: Ctx): string[] {
  const places: string[] = [];
  for (const c of childElements(el))
    if (localName(c) === 'Place' && childElements(c).length === 0) places.push(leafText(c));
    else keep(c, path, ctx);
  return places;
}

function readBusiness(el: XElement, path: string, ctx: Ctx): NonNullable<EdxmlMessageHeader['business']> {
  const out: NonNullable<EdxmlMessageHeader['business']> = { replacementInfoList: [] };
  for (const c of childElements(el)) {
    const name = localName(c);
    if (name === 'BussinessDocType' || name === 'BusinessDocType') out.businessDocType = leafText(c);
    else if (name === 'BussinessDocReason' || name === 'BusinessDocReason')
      out.businessDocReason = leafText(c);
    else if (name === 'Paper') out.paper = leafText(c);
    else if (name === 'ReplacementInfoList') out.replacementInfoList.push(...readReplacements(c, ctx));
    else keep(c, path, ctx);
  }
  return out;
}

function readReplacements(el: XElement, ctx: Ctx) {
  const path = 'ReplacementInfoList';
  return childElements(el).flatMap((info, i) => {
    if (localName(info) !== 'ReplacementInfo') {
      keep(info, path, ctx);
      return [];
    }
    const at = `${path}/ReplacementInfo[${i}]`;
    let documentId: string | undefined;
    const toPlaces: string[] = [];
    for (const c of childElements(info))
      if (localName(c) === 'DocumentId') documentId = leafText(c);
      else if (localName(c) === 'ToPlaces') toPlaces.push(...readPlaces(c, `${at}/ToPlaces`, ctx));
      else keep(c, at, ctx);
    return [{ documentId, toPlaces }];
  });
}

const LEAF_FIELDS = {
  DocumentId: 'documentId',
  Subject: 'subject',
  Content: 'content',
  SteeringType: 'steeringType',
};

/** MessageHeader: one branch per modelled element, everything else kept. */
function readMessageHeader(el: XElement, ctx: Ctx): EdxmlMessageHeader {
  const h: EdxmlMessageHeader = { to: [], toPlaces: [], responseFor: [] };
  const P = 'MessageHeader';
  const leaves = h as unknown as Leaves;
  for (const c of childElements(el)) {
    const name = localName(c);
    if (name in LEAF_FIELDS) {
      // Markup inside a Subject or Content (a pasted <br/>) is flattened: the text matters more than the tags.
      if (childElements(c).length > 0) ctx.unmapped.push(`${P}/${name}: markup inside flattened to its text`);
      leaves[LEAF_FIELDS[name as keyof typeof LEAF_FIELDS]] = leafText(c);
    } else if (name === 'From') h.from = readLeaves(c, ORGAN, `${P}/From`, ctx) as EdxmlOrgan;
    else if (name === 'To') h.to.push(readLeaves(c, ORGAN, `${P}/To[${h.to.length}]`, ctx) as EdxmlOrgan);
    else if (name === 'Code')
      h.code = readLeaves(c, { CodeNumber: 'codeNumber', CodeNotation: 'codeNotation' }, `${P}/Code`, ctx);
    else if (name === 'PromulgationInfo') {
      const p = readLeaves(
        c,
        { Place: 'place', PromulgationDate: 'promulgationDate' },
        `${P}/PromulgationInfo`,
        ctx,
      );
      h.promulgationInfo = {
        place: p.place,
        promulgationDate: normaliseDate(p.promulgationDate, `${P}/PromulgationInfo/PromulgationDate`, ctx),
      };
    } else if (name === 'DocumentType')
      h.documentType = readLeaves(
        c,
        { Type: 'type', TypeDetail: 'typeDetail', TypeName: 'typeName' },
        `${P}/DocumentType`,
        ctx,
      );
    else if (name === 'SignerInfo')
      h.signerInfo = readLeaves(
        c,
        { Competence: 'competence', Position: 'position', FullName: 'fullName' },
        `${P}/SignerInfo`,
        ctx,
      );
    else if (name === 'DueDate') h.dueDate = normaliseDate(leafText(c), `${P}/DueDate`, ctx);
    else if (name === 'ToPlaces') h.toPlaces.push(...readPlaces(c, `${P}/ToPlaces`, ctx));
    else if (name === 'OtherInfo') h.otherInfo = readLeaves(c, OTHER_INFO, `${P}/OtherInfo`, ctx);
    else if (name === 'ResponseFor')
      h.responseFor.push(readResponseFor(c, `${P}/ResponseFor[${h.responseFor.length}]`, ctx));
    else if (name === 'Bussiness' || name === 'Business') h.business = readBusiness(c, `${P}/Bussiness`, ctx);
    else if (name === 'ReplacementInfoList') {
      h.business ??= { replacementInfoList: [] };
      h.business.replacementInfoList.push(...readReplacements(c, ctx));
    } else keep(c, P, ctx);
  }
  const number = h.code?.codeNumber;
  if (number !== undefined && !/^\d+$/.test(number))
    ctx.unmapped.push(`${P}/Code/CodeNumber: "${number}" is not a number; kept as written`);
  return h;
}

const OTHER_INFO = {
  Priority: 'priority',
  SphereOfPromulgation: 'sphereOfPromulgation',
  SteeringType: 'steeringType',
  PromulgationAmount: 'promulgationAmount',
  PageAmount: 'pageAmount',
};

/** Status codes of QCVN 102:2016 (received, rejected, accepted, assigned, processing, done, recalled, …). */
const STATUS_CODES = new Set(['01', '02', '03', '04', '05', '06', '13', '15', '16']);

/** Status: its own leaves, plus those of a MessageHeader some senders wrap them in. */
function readStatus(el: XElement, ctx: Ctx, path = 'Status'): EdxmlStatus {
  let s: EdxmlStatus = {};
  for (const c of childElements(el)) {
    const name = localName(c);
    if (name === 'StatusCode' || name === 'Description' || name === 'Timestamp')
      (s as Leaves)[name[0]!.toLowerCase() + name.slice(1)] = leafText(c);
    else if (name === 'From') s.from = readLeaves(c, ORGAN, `${path}/From`, ctx) as EdxmlOrgan;
    else if (name === 'ResponseFor') s.responseFor = readResponseFor(c, `${path}/ResponseFor`, ctx);
    else if (name === 'StaffInfo')
      s.staffInfo = readLeaves(
        c,
        { Department: 'department', Staff: 'staff', Email: 'email', Mobile: 'mobile' },
        `${path}/StaffInfo`,
        ctx,
      );
    else if (name === 'MessageHeader') s = { ...readStatus(c, ctx, path), ...s };
    else keep(c, path, ctx);
  }
  return s;
}

const TRACE = { OrganId: 'organId', Timestamp: 'timestamp' };

/**
 * The trace headers; returns the business part when it sits in the list, as the SDK samples of the platform put it
 * (TraceHeaderList/Bussiness beside the TraceHeader elements), for the envelope's header to read.
 */
function readTraces(el: XElement, ctx: Ctx, into: EdxmlEnvelope['traces']): XElement | undefined {
  let business: XElement | undefined;
  for (const c of childElements(el)) {
    const name = localName(c);
    if (name === 'TraceHeader')
      into.push(readLeaves(c, TRACE, `TraceHeaderList/TraceHeader[${into.length}]`, ctx));
    else if ((name === 'Bussiness' || name === 'Business') && !business) business = c;
    else keep(c, 'TraceHeaderList', ctx);
  }
  return business;
}

const ATTACHMENT = {
  ContentId: 'contentId',
  ContentType: 'contentType',
  AttachmentName: 'attachmentName',
  Description: 'description',
};

/** One attachment: metadata as leaves, base64 content in Value/Content/Data or as the element's own text. */
function readAttachment(el: XElement, path: string, ctx: Ctx): EdxmlAttachment {
  const a: EdxmlAttachment = {};
  const own = [...Array.from(el.childNodes)].filter((n) => n.nodeType === 3 || n.nodeType === 4);
  const ownText = own.map((n) => n.nodeValue ?? '').join('');
  if (ownText.trim()) a.contentBase64 = ownText.replace(/\s+/g, '');
  const id = el.getAttribute('ContentId') ?? el.getAttribute('contentId');
  if (id) a.contentId = id;
  for (const c of childElements(el)) {
    const name = localName(c);
    if (name in ATTACHMENT) (a as Leaves)[ATTACHMENT[name as keyof typeof ATTACHMENT]] = leafText(c);
    else if (name === 'Value' || name === 'Content' || name === 'Data')
      a.contentBase64 = leafText(c).replace(/\s+/g, '');
    else if (name === 'ContentTransferEncoded') {
      // Either the encoding's name ("base64") or, in some senders' files, the content itself.
      const v = leafText(c).replace(/\s+/g, '');
      if (v.toLowerCase() !== 'base64' && v.length > 0) a.contentBase64 = v;
    } else keep(c, path, ctx);
  }
  return a;
}

function readBody(el: XElement, env: EdxmlEnvelope, ctx: Ctx): void {
  for (const c of childElements(el)) {
    if (localName(c) !== 'edXMLManifest') {
      keep(c, 'edXMLBody', ctx);
      continue;
    }
    for (const r of childElements(c))
      if (localName(r) === 'Reference')
        env.manifest.push(readLeaves(r, ATTACHMENT, `edXMLManifest/Reference[${env.manifest.length}]`, ctx));
      else keep(r, 'edXMLManifest', ctx);
  }
}

function readAttachments(el: XElement, env: EdxmlEnvelope, ctx: Ctx): void {
  for (const c of childElements(el))
    if (localName(c) === 'Attachment')
      env.attachments.push(readAttachment(c, `Attachment[${env.attachments.length}]`, ctx));
    else keep(c, 'AttachmentEncoded', ctx);
}

function noteStatusCode(s: EdxmlStatus, ctx: Ctx): void {
  if (s.statusCode === undefined) ctx.unmapped.push('Status/StatusCode: missing');
  else if (!STATUS_CODES.has(s.statusCode))
    ctx.unmapped.push(`Status/StatusCode: "${s.statusCode}" is not a code of QCVN 102:2016; kept as written`);
}

const isEdxmlRoot = (el: XElement) => localName(el) === 'edXMLEnvelope' || localName(el) === 'Status';

/**
 * The edXML element itself: the document element, or the first edXMLEnvelope/Status inside a transport wrapper
 * (a SOAP envelope, a platform's own message), which is then dropped with a note.
 */
function edxmlRoot(root: XElement, ctx: Ctx): { el: XElement; siblings: XElement[] } {
  if (isEdxmlRoot(root)) return { el: root, siblings: [] };
  const queue = childElements(root).map((el) => ({ el, parent: root }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { el, parent } = next;
    if (isEdxmlRoot(el)) {
      // The platform's SDK wraps the envelope in <edXML> and puts the attachments beside it (AttachmentEncoded):
      // the envelope's siblings are read as its own parts; any other wrapper is dropped.
      const siblings = childElements(parent).filter((c) => c !== el);
      ctx.unmapped.push(
        `<${root.nodeName}>: a wrapper around <${el.nodeName}>, dropped` +
          (siblings.length > 0 ? '; the parts beside it were read with the envelope' : ''),
      );
      return { el, siblings };
    }
    queue.push(...childElements(el).map((c) => ({ el: c, parent: el })));
  }
  return { el: root, siblings: [] };
}

/** The business part read from TraceHeaderList when MessageHeader has none (kept as XML when it has one too). */
function withTracedBusiness(
  h: EdxmlMessageHeader,
  business: XElement | undefined,
  ctx: Ctx,
): EdxmlMessageHeader {
  if (!business) return h;
  if (h.business) {
    keep(business, 'TraceHeaderList', ctx);
    return h;
  }
  // Read as the header's own business part, which is where lienthong writes it; its unmodelled parts go with it.
  ctx.unmapped.push('TraceHeaderList/Bussiness: read as MessageHeader/Bussiness');
  return { ...h, business: readBusiness(business, 'MessageHeader/Bussiness', ctx) };
}

/** Parses an edXML envelope or status message; throws {@link EdxmlError} naming the element when it is neither. */
export function readEdxml(xml: string): EdxmlMessage {
  const ctx: Ctx = { extensions: [], unmapped: [], signed: false };
  const { el: root, siblings } = edxmlRoot(parseXml(xml, ctx.unmapped).documentElement!, ctx);
  const common = { version: EDXML_MODEL_VERSION, traces: [] as EdxmlEnvelope['traces'] };
  if (localName(root) === 'Status') {
    const status = readStatus(root, ctx);
    noteStatusCode(status, ctx);
    return { ...common, kind: 'status', status, ...ctx } satisfies EdxmlStatusMessage;
  }
  if (localName(root) !== 'edXMLEnvelope')
    throw new EdxmlError(
      `not edXML: the root element is <${root.nodeName}>, not <edXMLEnvelope>`,
      root.nodeName,
    );
  // Some senders leave edXMLHeader out and put its parts straight in the envelope.
  const header =
    child(root, 'edXMLHeader') ?? (child(root, 'MessageHeader') || child(root, 'Status') ? root : undefined);
  if (!header) throw new EdxmlError('not edXML: <edXMLEnvelope> has no <edXMLHeader>', 'edXMLHeader');
  if (header === root)
    ctx.unmapped.push('edXMLEnvelope: no <edXMLHeader>; its parts were read from the envelope');
  const messageHeader = child(header, 'MessageHeader');
  const status = child(header, 'Status');
  if (!messageHeader && !status)
    throw new EdxmlError(
      'not edXML: <edXMLHeader> has neither <MessageHeader> nor <Status>',
      'MessageHeader',
    );
  const headerPart = (c: XElement) =>
    c === header ||
    c === messageHeader ||
    c === status ||
    (header === root && localName(c) === 'TraceHeaderList');
  let tracedBusiness: XElement | undefined;
  for (const c of childElements(header))
    if (localName(c) === 'TraceHeaderList') tracedBusiness ??= readTraces(c, ctx, common.traces);
    else if (header !== root && !headerPart(c)) keep(c, 'edXMLHeader', ctx);
  const rest = [...childElements(root).filter((c) => !headerPart(c)), ...siblings];
  if (!messageHeader) {
    const s = readStatus(status!, ctx);
    noteStatusCode(s, ctx);
    for (const c of rest) keep(c, 'edXMLEnvelope', ctx);
    return { ...common, kind: 'status', status: s, ...ctx };
  }
  const env: EdxmlEnvelope = {
    ...common,
    kind: 'envelope',
    header: withTracedBusiness(readMessageHeader(messageHeader, ctx), tracedBusiness, ctx),
    manifest: [],
    attachments: [],
    ...ctx,
  };
  for (const c of rest)
    if (localName(c) === 'edXMLBody') readBody(c, env, ctx);
    else if (localName(c) === 'AttachmentEncoded') readAttachments(c, env, ctx);
    else keep(c, 'edXMLEnvelope', ctx);
  return { ...env, signed: ctx.signed };
}
