import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { bundledFontPath } from '../../../pdf/appearance/font';
import { sealPng, signaturePng } from '../../../pdf/appearance/generated-images';
import { Canvas } from '../../../pdf/appearance/raster';
import { readSignatureBlock } from '../../../pdf/decree30';
import { incomingId } from '../../../schemas/document';
import { demoDocumentPdf, rememberSigner } from '../../../cli/demo-documents';
import { TEST_AGENCIES, api, startHarness, user, type Api, type Harness } from '../helpers/harness';
import {
  countPixels,
  isBlue,
  isRed,
  noSystemFontsEnv,
  pageText,
  renderPage,
} from '../../unit/pdf/support/render';
import { tool } from '../../unit/pdf/support/tools';
import { RECIPIENTS, SENDER, makePdf } from './support';

let h: Harness;
let a: Api;
const s = SENDER.code;
const signerName = 'Nguyễn Văn An';

beforeAll(async () => {
  h = await startHarness({ exchange: true, pki: true });
  a = api(h);
}, 120_000);

afterAll(async () => {
  await h?.close();
});

/** A call as `username` (the shared API helper speaks GET, POST and PATCH; this one also DELETE). */
async function send(username: string, method: 'POST' | 'DELETE' | 'GET', url: string, payload?: object) {
  const token = await h.login(username);
  return h.app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    payload,
  });
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

describe('seal and signature images', () => {
  it('takes a transparent PNG from the right people and refuses SVG, opaque and oversized images', async () => {
    const seal = sealPng(SENDER.name, readFileSync(bundledFontPath('bold')));
    const put = await send(user('agency_admin', s), 'POST', `/agencies/${s}/seal`, { pngBase64: b64(seal) });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ kind: 'seal', agency: s, width: 360, height: 360 });
    // Another agency's administrator, and a drafter, may not change it.
    const other = await send(user('agency_admin', RECIPIENTS[0]!), 'POST', `/agencies/${s}/seal`, {
      pngBase64: b64(seal),
    });
    expect(other.statusCode).toBe(403);
    expect(
      (await send(user('drafter', s), 'POST', `/agencies/${s}/seal`, { pngBase64: b64(seal) })).statusCode,
    ).toBe(403);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><circle r="5"/></svg>');
    const refusedSvg = await send(user('agency_admin', s), 'POST', `/agencies/${s}/seal`, {
      pngBase64: b64(svg),
    });
    expect(refusedSvg.statusCode).toBe(415);
    expect(refusedSvg.json().detail).toMatch(/SVG/);
    const rgb = Buffer.from(new Canvas(64, 64).png());
    rgb[25] = 2; // colour type 2 (RGB, no alpha): the IHDR CRC no longer matches, the type check answers first
    const refusedOpaque = await send(user('agency_admin', s), 'POST', `/agencies/${s}/seal`, {
      pngBase64: b64(rgb),
    });
    expect(refusedOpaque.statusCode).toBe(422);
    expect(refusedOpaque.json().detail).toMatch(/transparency/);
    const huge = await send(user('agency_admin', s), 'POST', `/agencies/${s}/seal`, {
      pngBase64: b64(new Canvas(2100, 40).png()),
    });
    expect(huge.statusCode).toBe(422);

    const signature = signaturePng(signerName, readFileSync(bundledFontPath('italic')));
    const own = await send(user('signer', s), 'POST', `/users/${user('signer', s)}/signature-image`, {
      pngBase64: b64(signature),
    });
    expect(own.statusCode).toBe(200);
    expect(
      (
        await send(user('drafter', s), 'POST', `/users/${user('signer', s)}/signature-image`, {
          pngBase64: b64(signature),
        })
      ).statusCode,
    ).toBe(403);
    const read = await send(user('clerk', s), 'GET', `/users/${user('signer', s)}/signature-image`);
    expect(read.statusCode).toBe(200);
    expect(read.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(read.rawPayload, signature)).toBe(0);
  }, 60_000);
});

describe('a Decree 30 document drafted from the form', () => {
  it('refuses an unknown document type with a 400 naming the field', async () => {
    const res = await a.call(user('drafter', s), 'POST', '/documents', {
      type: 'Nghị quyết liên tịch',
      subject: 'Thử',
      recipients: [RECIPIENTS[0]],
      form: { body: ['Nội dung.'], signature: { position: 'Chủ tịch', fullName: signerName } },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('body.type');
    // The upload contract takes the Vietnamese name too; a file and a form at once is refused.
    const pdfBase64 = b64(await makePdf());
    const upload = { subject: 'Thử', recipients: [RECIPIENTS[0]], fileName: 'a.pdf', pdfBase64 };
    const byName = await a.call(user('drafter', s), 'POST', '/documents', { ...upload, type: 'Công văn' });
    expect(byName.status).toBe(201);
    expect((await a.call(user('drafter', s), 'GET', `/documents/${byName.body.id}`)).body.type).toBe('CV');
    const both = await a.call(user('drafter', s), 'POST', '/documents', {
      ...upload,
      type: 'CV',
      form: { body: ['Nội dung.'], signature: { position: 'Chủ tịch', fullName: signerName } },
    });
    expect(both.status).toBe(400);
  }, 30_000);

  it('is exchanged with the signature image in its block and the seal over its left third', async () => {
    const recipient = RECIPIENTS[0]!;
    const created = await a.call(user('drafter', s), 'POST', '/documents', {
      type: 'Quyết định',
      subject: 'Về việc ban hành Quy chế công tác văn thư, lưu trữ',
      recipients: [recipient],
      form: {
        body: [
          'Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;',
          'Ban hành kèm theo Quyết định này Quy chế công tác văn thư, lưu trữ của Ủy ban nhân dân xã Tân Phú.',
        ],
        signature: { competence: 'TM. Ủy ban nhân dân', position: 'Chủ tịch', fullName: signerName },
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const detail = await a.call(user('drafter', s), 'GET', `/documents/${id}`);
    expect(detail.body.type).toBe('QD');
    for (const [who, step] of [
      [user('drafter', s), 'submit'],
      [user('approver', s), 'approve'],
      [user('signer', s), 'sign'],
      [user('clerk', s), 'issue'],
    ] as const)
      expect((await a.call(who, 'POST', `/documents/${id}/${step}`, {})).status).toBe(200);

    const inboxId = incomingId(s, id);
    const item = await h.waitForInbox(recipient, inboxId, (v) => !!v.verification);
    expect(item.verification).toMatchObject({ ok: true });
    const file = await a.call(user('clerk', recipient), 'GET', `/inbox/${inboxId}/file`);
    const pdf = new Uint8Array(file.raw);

    const block = (await readSignatureBlock(pdf))!;
    expect(block).toBeDefined();
    const env = noSystemFontsEnv();
    mkdirSync('test-output/decree30-exchange', { recursive: true });
    writeFileSync('test-output/decree30-exchange/exchanged.pdf', pdf);
    const page = renderPage(pdf, block.page, env, 'test-output/decree30-exchange/page');
    // The leader's blue signature between title and name, the red seal over the image's left third.
    expect(countPixels(page, block.image, isBlue)).toBeGreaterThan(300);
    expect(countPixels(page, block.seal, isRed)).toBeGreaterThan(600);
    const leftThird: typeof block.image = [
      block.image[0],
      block.image[1],
      block.image[2] / 3,
      block.image[3],
    ];
    expect(countPixels(page, leftThird, isRed)).toBeGreaterThan(100);
    const text = pageText(pdf, block.page, env);
    expect(text).toContain('Ủy ban nhân dân');
    expect(text).toContain('CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM');
    expect(text).toContain(signerName);
    // Every font the page uses is embedded (no system font was needed to draw it).
    const fonts = tool('pdffonts', ['-'], { input: pdf, env }).stdout.split('\n').slice(2).filter(Boolean);
    expect(fonts.length).toBeGreaterThan(0);
    // Columns: emb sub uni object generation; the first must be yes.
    for (const line of fonts) expect(line).toMatch(/\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/);

    // An uploaded file keeps its block too: the demo's documents are drafted on the client and uploaded.
    rememberSigner(s, { fullName: signerName, title: 'Chủ tịch' });
    const demo = await demoDocumentPdf({
      sender: SENDER,
      recipients: [TEST_AGENCIES.find((x) => x.code === recipient)!],
      agencies: TEST_AGENCIES,
      type: 'CV',
      subject: 'Về việc cung cấp số liệu thống kê 2026 (1)',
      date: '2026-11-30',
      variant: 0,
    });
    const uploaded = await a.call(user('drafter', s), 'POST', '/documents', {
      type: 'CV',
      subject: 'Về việc cung cấp số liệu thống kê 2026 (1)',
      recipients: [recipient],
      fileName: 'cv.pdf',
      pdfBase64: b64(demo),
    });
    expect(uploaded.status).toBe(201);
    for (const [who, step] of [
      [user('drafter', s), 'submit'],
      [user('approver', s), 'approve'],
      [user('signer', s), 'sign'],
      [user('clerk', s), 'issue'],
    ] as const)
      expect((await a.call(who, 'POST', `/documents/${uploaded.body.id}/${step}`, {})).status).toBe(200);
    const signedDemo = new Uint8Array(
      (await a.call(user('clerk', s), 'GET', `/documents/${uploaded.body.id}/file`)).raw,
    );
    const demoBlock = (await readSignatureBlock(signedDemo))!;
    const demoPage = renderPage(signedDemo, demoBlock.page, env, 'test-output/decree30-exchange/demo-letter');
    expect(countPixels(demoPage, demoBlock.image, isBlue)).toBeGreaterThan(300);
    expect(countPixels(demoPage, demoBlock.seal, isRed)).toBeGreaterThan(600);
    expect(pageText(signedDemo, 1, env)).toContain('V/v cung cấp số liệu thống kê');

    // Removing the image leaves signed documents as they are (the appearance is in the signed bytes).
    const signerImage = `/users/${user('signer', s)}/signature-image`;
    expect((await send(user('signer', s), 'DELETE', signerImage)).statusCode).toBe(204);
    expect((await send(user('clerk', s), 'GET', signerImage)).statusCode).toBe(404);
  }, 120_000);
});
