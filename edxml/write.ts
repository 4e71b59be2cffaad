import {
  EDXML_NAMESPACE,
  type EdxmlEnvelope,
  type EdxmlExtension,
  type EdxmlMessage,
  EdxmlMessageSchema,
  type EdxmlOrgan,
  type EdxmlStatusMessage,
} from '../schemas/edxml-wire';
import { EdxmlError, escapeXml } from './dom';

/**
 * Writer of edXML (QCVN 102:2016): strict where the reader is liberal. The model is validated first, elements come
 * in the standard's order under the default namespace, absent optional parts are left out, and the elements the
 * reader kept as XML go back at the end of the parent they came from.
 */

/** An element to write: a leaf (text) or children; `path` matches the reader's `extensions[].parent`. */
interface Node {
  name: string;
  text?: string;
  children?: Array<Node | undefined>;
  path?: string;
}

const leaf = (name: string, text: string | undefined): Node | undefined =>
  text === undefined ? undefined : { name, text };

function group(name: string, children: Array<Node | undefined>, path?: string): Node | undefined {
  const present = children.filter((c) => c !== undefined);
  return present.length > 0 || path !== undefined ? { name, children: present, path } : undefined;
}

function render(node: Node, ext: Map<string, string[]>, indent: string, out: string[]): void {
  if (node.children === undefined) {
    out.push(`${indent}<${node.name}>${escapeXml(node.text ?? '')}</${node.name}>`);
    return;
  }
  const kept = node.path === undefined ? [] : (ext.get(node.path) ?? []);
  const children = node.children.filter((c) => c !== undefined);
  if (children.length === 0 && kept.length === 0) {
    out.push(`${indent}<${node.name}/>`);
    return;
  }
  out.push(`${indent}<${node.name}>`);
  for (const c of children) render(c, ext, `${indent}  `, out);
  for (const xml of kept) out.push(`${indent}  ${xml}`);
  out.push(`${indent}</${node.name}>`);
}

function organ(name: string, o: EdxmlOrgan | undefined, path: string): Node | undefined {
  if (!o) return undefined;
  return group(
    name,
    [
      leaf('OrganId', o.organId),
      leaf('OrganName', o.organName),
      leaf('OrganizationInCharge', o.organizationInCharge),
      leaf('OrganAdd', o.organAdd),
      leaf('Email', o.email),
      leaf('Telephone', o.telephone),
      leaf('Fax', o.fax),
      leaf('Website', o.website),
    ],
    path,
  );
}

type ResponseFor = EdxmlEnvelope['header']['responseFor'][number];
const responseFor = (r: ResponseFor | undefined, path: string) =>
  r &&
  group(
    'ResponseFor',
    [
      leaf('OrganId', r.organId),
      leaf('Code', r.code),
      leaf('PromulgationDate', r.promulgationDate),
      leaf('DocumentId', r.documentId),
    ],
    path,
  );

const places = (name: string, list: string[], path: string) =>
  list.length === 0
    ? undefined
    : group(
        name,
        list.map((p) => leaf('Place', p)),
        path,
      );

function business(b: EdxmlEnvelope['header']['business']): Node | undefined {
  if (!b) return undefined;
  const replacements = b.replacementInfoList.map((r, i) =>
    group(
      'ReplacementInfo',
      [
        leaf('DocumentId', r.documentId),
        places('ToPlaces', r.toPlaces, `ReplacementInfoList/ReplacementInfo[${i}]/ToPlaces`),
      ],
      `ReplacementInfoList/ReplacementInfo[${i}]`,
    ),
  );
  return group(
    'Bussiness',
    [
      leaf('BussinessDocType', b.businessDocType),
      leaf('BussinessDocReason', b.businessDocReason),
      leaf('Paper', b.paper),
      replacements.length > 0 ? group('ReplacementInfoList', replacements, 'ReplacementInfoList') : undefined,
    ],
    'MessageHeader/Bussiness',
  );
}

function messageHeader(h: EdxmlEnvelope['header']): Node {
  const P = 'MessageHeader';
  return group(
    'MessageHeader',
    [
      organ('From', h.from, `${P}/From`),
      ...h.to.map((t, i) => organ('To', t, `${P}/To[${i}]`)),
      leaf('DocumentId', h.documentId),
      h.code &&
        group(
          'Code',
          [leaf('CodeNumber', h.code.codeNumber), leaf('CodeNotation', h.code.codeNotation)],
          `${P}/Code`,
        ),
      h.promulgationInfo &&
        group(
          'PromulgationInfo',
          [
            leaf('Place', h.promulgationInfo.place),
            leaf('PromulgationDate', h.promulgationInfo.promulgationDate),
          ],
          `${P}/PromulgationInfo`,
        ),
      h.documentType &&
        group(
          'DocumentType',
          [
            leaf('Type', h.documentType.type),
            leaf('TypeDetail', h.documentType.typeDetail),
            leaf('TypeName', h.documentType.typeName),
          ],
          `${P}/DocumentType`,
        ),
      leaf('Subject', h.subject),
      leaf('Content', h.content),
      h.signerInfo &&
        group(
          'SignerInfo',
          [
            leaf('Competence', h.signerInfo.competence),
            leaf('Position', h.signerInfo.position),
            leaf('FullName', h.signerInfo.fullName),
          ],
          `${P}/SignerInfo`,
        ),
      leaf('DueDate', h.dueDate),
      places('ToPlaces', h.toPlaces, `${P}/ToPlaces`),
      h.otherInfo &&
        group(
          'OtherInfo',
          [
            leaf('Priority', h.otherInfo.priority),
            leaf('SphereOfPromulgation', h.otherInfo.sphereOfPromulgation),
            leaf('SteeringType', h.otherInfo.steeringType),
            leaf('PromulgationAmount', h.otherInfo.promulgationAmount),
            leaf('PageAmount', h.otherInfo.pageAmount),
          ],
          `${P}/OtherInfo`,
        ),
      ...h.responseFor.map((r, i) => responseFor(r, `${P}/ResponseFor[${i}]`)),
      leaf('SteeringType', h.steeringType),
      business(h.business),
    ],
    P,
  )!;
}

function statusNode(s: EdxmlStatusMessage['status']): Node {
  const P = 'Status';
  return group(
    'Status',
    [
      responseFor(s.responseFor, `${P}/ResponseFor`),
      organ('From', s.from, `${P}/From`),
      leaf('StatusCode', s.statusCode),
      leaf('Description', s.description),
      leaf('Timestamp', s.timestamp),
      s.staffInfo &&
        group(
          'StaffInfo',
          [
            leaf('Department', s.staffInfo.department),
            leaf('Staff', s.staffInfo.staff),
            leaf('Email', s.staffInfo.email),
            leaf('Mobile', s.staffInfo.mobile),
          ],
          `${P}/StaffInfo`,
        ),
    ],
    P,
  )!;
}

function traces(m: EdxmlMessage): Node | undefined {
  return group(
    'TraceHeaderList',
    m.traces.map((t, i) =>
      group(
        'TraceHeader',
        [leaf('OrganId', t.organId), leaf('Timestamp', t.timestamp)],
        `TraceHeaderList/TraceHeader[${i}]`,
      ),
    ),
    m.traces.length > 0 ? 'TraceHeaderList' : undefined,
  );
}

const attachmentFields = (a: EdxmlEnvelope['manifest'][number]) => [
  leaf('ContentId', a.contentId),
  leaf('ContentType', a.contentType),
  leaf('AttachmentName', a.attachmentName),
  leaf('Description', a.description),
];

function body(env: EdxmlEnvelope): Node[] {
  const out: Array<Node | undefined> = [
    group(
      'edXMLBody',
      [
        group(
          'edXMLManifest',
          env.manifest.map((r, i) =>
            group('Reference', attachmentFields(r), `edXMLManifest/Reference[${i}]`),
          ),
          'edXMLManifest',
        ),
      ],
      'edXMLBody',
    ),
  ];
  if (env.attachments.length > 0)
    out.push(
      group(
        'AttachmentEncoded',
        env.attachments.map((a, i) =>
          group(
            'Attachment',
            [
              ...attachmentFields(a),
              a.contentBase64 === undefined ? undefined : leaf('ContentTransferEncoded', 'base64'),
              leaf('Value', a.contentBase64),
            ],
            `Attachment[${i}]`,
          ),
        ),
        'AttachmentEncoded',
      ),
    );
  return out.filter((n) => n !== undefined);
}

/** Writes a model as an edXML document (UTF-8, default namespace, two-space indentation). */
export function writeEdxml(input: unknown): string {
  const parsed = EdxmlMessageSchema.safeParse(input);
  if (!parsed.success)
    throw new EdxmlError(
      `not an edXML model: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const m = parsed.data;
  const ext = new Map<string, string[]>();
  for (const e of m.extensions as EdxmlExtension[]) ext.set(e.parent, [...(ext.get(e.parent) ?? []), e.xml]);
  const header = group(
    'edXMLHeader',
    [m.kind === 'envelope' ? messageHeader(m.header) : statusNode(m.status), traces(m)],
    'edXMLHeader',
  )!;
  const root: Node = {
    name: 'edXMLEnvelope',
    children: [header, ...(m.kind === 'envelope' ? body(m) : [])],
    path: 'edXMLEnvelope',
  };
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  render(root, ext, '', out);
  out[1] = out[1]!.replace('<edXMLEnvelope>', `<edXMLEnvelope xmlns="${EDXML_NAMESPACE}">`);
  return `${out.join('\n')}\n`;
}
