import { startHarness, user, waitFor, type Harness } from '../helpers/harness';
import { DocumentStore } from '../../../store/document-store';
import { RECIPIENTS, SENDER, makePdf } from './support';

let h: Harness;
let drafter: string;

beforeAll(async () => {
  h = await startHarness();
  drafter = await h.login(user('drafter', SENDER.code));
}, 120_000);

afterAll(async () => {
  await h?.close();
});

const SUBJECT = 'Về việc tổ chức hội nghị của Ủy ban nhân dân xã Tân Phú';

async function create(key: string | undefined, subject = SUBJECT) {
  const res = await h.app.inject({
    method: 'POST',
    url: '/api/v1/documents',
    headers: {
      authorization: `Bearer ${drafter}`,
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    payload: {
      type: 'QD',
      subject,
      recipients: [RECIPIENTS[1]],
      fileName: 'quyet-dinh.pdf',
      pdfBase64: Buffer.from(await makePdf()).toString('base64'),
    },
  });
  return { status: res.statusCode, body: res.json() as { id: string; state: string; code?: string } };
}

/** Waits until the document's workflow has written its row (version 1 on; the API saved version 0 before it). */
const written = (id: string) =>
  waitFor(async () => {
    const doc = await new DocumentStore(h.deps.db!).getOutgoing(SENDER.code, id);
    return doc && doc.version >= 1 ? doc : undefined;
  }, `draft ${id} written by its workflow`);

const drafts = async () =>
  (await new DocumentStore(h.deps.db!).findOutgoing(SENDER.code, { subject: SUBJECT })).map((d) => d.id);

describe('creating a draft with an Idempotency-Key', () => {
  it('gives a retried request the draft the first one made, and a new key a new draft', async () => {
    const first = await create('tao-du-thao-0001');
    expect(first.status).toBe(201);
    // Once the workflow has written the draft, a retry (a timeout on the client's side) finds it.
    expect((await written(first.body.id)).state).toBe('DRAFT');
    const retry = await create('tao-du-thao-0001');
    expect(retry).toEqual({ status: 200, body: { id: first.body.id, state: 'DRAFT' } });

    const other = await create('tao-du-thao-0002');
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);
    expect((await drafts()).sort()).toEqual([first.body.id, other.body.id].sort());
  });

  it('answers two requests racing with one key with one draft', async () => {
    const [a, b] = await Promise.all([create('tao-du-thao-0003'), create('tao-du-thao-0003')]);
    expect([a.status, b.status].every((s) => s === 200 || s === 201)).toBe(true);
    expect(a.body.id).toBe(b.body.id);
    await written(a.body.id);
    expect((await drafts()).filter((id) => id === a.body.id)).toHaveLength(1);
  });

  it('refuses a key used for another subject (409) and a malformed key (400), creating nothing', async () => {
    const before = (await drafts()).length;
    const conflict = await create('tao-du-thao-0001', 'Một văn bản khác');
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('CONFLICT');
    const malformed = await create('khoa co dau');
    expect(malformed.status).toBe(400);
    expect((await drafts()).length).toBe(before);
  });

  it('still creates a new draft for every request without a key', async () => {
    const [a, b] = await Promise.all([create(undefined), create(undefined)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.id).not.toBe(b.body.id);
  });
});
