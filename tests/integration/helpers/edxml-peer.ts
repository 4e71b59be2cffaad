/**
 * A stand-in for the national document-exchange platform, run as its own Node process by the test
 * (`node --require tsx/cjs edxml-peer.ts`). It speaks only edXML over HTTP:
 * - it has its own organisation key and certificate (PEER_CONFIG: keyPem, chainPem, organId, organName), issued
 *   by a CA that is not the province's;
 * - `POST /edxml` is where the province's gateway delivers envelopes and statuses: each is parsed with the edXML
 *   reader and its XMLDSig verified against the province's anchor, recorded, and an envelope is answered with a
 *   signed status 01 ("đã đến") sent to the province's inbox, as the platform does;
 * - `POST /send` `{ model, sign?, token?, contentType?, raw? }` writes (and signs) an edXML message and POSTs it to
 *   the province's inbox, answering with the HTTP status and body it got;
 * - `POST /configure` `{ inboxUrl, token, anchorsPem }`, `GET /received` (what it got) and `POST /fail-next`
 *   `{ count, status }` (answer the next deliveries with that HTTP status, as a platform that is down or refuses)
 *   are for the test.
 * On start it prints one JSON line `{"port": N}`.
 */
import { createPrivateKey } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import { decodeXmlBytes } from '../../../edxml/dom';
import { readEdxml } from '../../../edxml/read';
import { signEdxml, verifyEdxml } from '../../../edxml/signature';
import { writeEdxml } from '../../../edxml/write';
import { readCertificates } from '../../../pdf/cms/certificate';
import type { EdxmlMessage, SignatureVerdict } from '../../../schemas/edxml-wire';
import { EDXML_MODEL_VERSION } from '../../../schemas/edxml-wire';

interface PeerConfig {
  keyPem: string;
  chainPem: string;
  organId: string;
  organName: string;
}

export interface PeerRecord {
  kind: 'envelope' | 'status' | 'unreadable';
  documentId?: string;
  subject?: string;
  statusCode?: string;
  from?: string;
  fromName?: string;
  to: string[];
  description?: string;
  signature?: SignatureVerdict;
  attachments: { name?: string; contentType?: string; sha256: string; size: number }[];
  error?: string;
  at: string;
}

const config = JSON.parse(process.env.PEER_CONFIG ?? '{}') as PeerConfig;
const key = createPrivateKey(config.keyPem);
const chain = readCertificates(Buffer.from(config.chainPem));
const received: PeerRecord[] = [];
let inboxUrl = '';
let token = '';
let anchors: Uint8Array[] = [];
let failNext = { count: 0, status: 503 };
const refused: { status: number; at: string }[] = [];

async function body(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}

/** Signs (when asked) and POSTs one edXML message to the province's inbox. */
async function deliver(
  xml: string,
  opts: { sign?: boolean; token?: string; contentType?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const text = opts.sign === false ? xml : signEdxml(xml, key, chain);
  const res = await fetch(inboxUrl, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/xml; charset=utf-8',
      ...(opts.token === '' ? {} : { authorization: `Bearer ${opts.token ?? token}` }),
    },
    body: text,
  });
  const raw = await res.text();
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: res.status, body: parsed };
}

/** The platform's acknowledgement of an envelope: status 01 back to its sender. */
function arrivedStatus(m: Extract<EdxmlMessage, { kind: 'envelope' }>): string {
  return writeEdxml({
    version: EDXML_MODEL_VERSION,
    kind: 'status',
    status: {
      from: { organId: config.organId, organName: config.organName },
      responseFor: { organId: m.header.from?.organId, documentId: m.header.documentId },
      statusCode: '01',
      description: 'Đã đến',
      timestamp: new Date().toISOString(),
      staffInfo: { staff: 'Hệ thống trục liên thông' },
    },
    traces: [],
    extensions: [],
    unmapped: [],
    signed: false,
  });
}

async function onEdxml(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const xml = decodeXmlBytes(await body(req));
  if (failNext.count > 0) {
    failNext.count -= 1;
    refused.push({ status: failNext.status, at: new Date().toISOString() });
    return json(res, failNext.status, { error: 'refused by the test' });
  }
  let m: EdxmlMessage;
  try {
    m = readEdxml(xml);
  } catch (err) {
    received.push({
      kind: 'unreadable',
      to: [],
      attachments: [],
      error: String(err),
      at: new Date().toISOString(),
    });
    return json(res, 400, { error: (err as Error).message });
  }
  const signature = await verifyEdxml(xml, { anchors, at: new Date() });
  const record: PeerRecord =
    m.kind === 'envelope'
      ? {
          kind: 'envelope',
          documentId: m.header.documentId,
          subject: m.header.subject,
          from: m.header.from?.organId,
          fromName: m.header.from?.organName,
          to: m.header.to.map((t) => t.organId ?? ''),
          signature,
          attachments: m.attachments.map((a) => {
            const bytes = Buffer.from(a.contentBase64 ?? '', 'base64');
            return {
              name: a.attachmentName,
              contentType: a.contentType,
              sha256: createHash('sha256').update(bytes).digest('hex'),
              size: bytes.length,
            };
          }),
          at: new Date().toISOString(),
        }
      : {
          kind: 'status',
          documentId: m.status.responseFor?.documentId,
          statusCode: m.status.statusCode,
          from: m.status.from?.organId,
          fromName: m.status.from?.organName,
          to: [m.status.responseFor?.organId ?? ''],
          description: m.status.description,
          signature,
          attachments: [],
          at: new Date().toISOString(),
        };
  received.push(record);
  json(res, 200, { received: true });
  if (m.kind === 'envelope' && signature?.valid)
    void deliver(arrivedStatus(m)).then(
      (r) =>
        r.status !== 202 && process.stderr.write(`peer: 01 refused ${r.status} ${JSON.stringify(r.body)}\n`),
      (err: unknown) => process.stderr.write(`peer: 01 not sent: ${String(err)}\n`),
    );
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'POST' && req.url === '/edxml') return onEdxml(req, res);
  if (req.method === 'GET' && req.url === '/received') return json(res, 200, received);
  if (req.method === 'GET' && req.url === '/refused') return json(res, 200, refused);
  if (req.method === 'POST' && req.url === '/fail-next') {
    failNext = JSON.parse((await body(req)).toString('utf8')) as typeof failNext;
    return json(res, 200, failNext);
  }
  if (req.method === 'POST' && req.url === '/configure') {
    const c = JSON.parse((await body(req)).toString('utf8')) as {
      inboxUrl: string;
      token: string;
      anchorsPem: string;
    };
    inboxUrl = c.inboxUrl;
    token = c.token;
    anchors = readCertificates(Buffer.from(c.anchorsPem));
    return json(res, 200, { configured: true });
  }
  if (req.method === 'POST' && req.url === '/send') {
    const s = JSON.parse((await body(req)).toString('utf8')) as {
      model?: EdxmlMessage;
      raw?: string;
      sign?: boolean;
      token?: string;
      contentType?: string;
    };
    const xml = s.raw ?? writeEdxml(s.model);
    return json(res, 200, await deliver(xml, { ...s, sign: s.raw !== undefined ? false : s.sign }));
  }
  json(res, 404, { error: `no route ${req.method} ${req.url}` });
}

const server = createServer((req, res) => {
  route(req, res).catch((err: unknown) => json(res, 500, { error: String(err) }));
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(
    `${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
