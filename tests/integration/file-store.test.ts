import { randomUUID } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { FileStore } from '../../store/file-store';
import { testStack } from './helpers/stack-info';

/**
 * GridFS on the MongoDB-wire server, content-addressed. A file this process stored or read is kept in memory (its
 * id is its SHA-256, so the copy cannot be stale): an exchange reads one document many times.
 */
let client: MongoClient;
let db: Db;
const commands: string[] = [];

beforeAll(async () => {
  client = new MongoClient(testStack().mongoUri, { monitorCommands: true });
  client.on('commandStarted', (e) => commands.push(e.commandName));
  await client.connect();
  db = client.db(`lienthong_test_files_${randomUUID().slice(0, 8)}`);
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

const pdfLike = (text: string) =>
  new TextEncoder().encode(`%PDF-1.7\n% ${text}\n${'x'.repeat(300_000)}\n%%EOF\n`);

describe('FileStore', () => {
  it('reads a file it stored without asking the database again, and a copy each time', async () => {
    const files = new FileStore(db);
    const bytes = pdfLike('Ủy ban nhân dân xã Tân Phú');
    const ref = await files.put(bytes, { fileName: 'cong-van.pdf' });
    commands.length = 0;
    const first = await files.get(ref);
    expect(Buffer.compare(Buffer.from(first), Buffer.from(bytes))).toBe(0);
    first[0] = 0; // a caller changing its copy changes nothing kept
    expect((await files.get(ref))[0]).toBe(bytes[0]);
    // Storing the same bytes again is known to be done.
    expect(await new FileStore(db).put(bytes, { fileName: 'lan-hai.pdf' })).toEqual(ref);
    expect(commands).toEqual([]);
  });

  it('reads from the database what another process stored, and checks what it names', async () => {
    const other = new MongoClient(testStack().mongoUri);
    await other.connect();
    try {
      const bytes = pdfLike('Sở Nội vụ');
      const ref = await new FileStore(other.db(db.databaseName)).put(bytes, { fileName: 'khac.pdf' });
      commands.length = 0;
      const files = new FileStore(db);
      expect(Buffer.compare(Buffer.from(await files.get(ref)), Buffer.from(bytes))).toBe(0);
      expect(commands.filter((c) => c === 'find').length).toBeGreaterThan(0);
      // Kept now: the second read asks nothing.
      commands.length = 0;
      await files.get(ref);
      expect(commands).toEqual([]);
      // A reference whose SHA-256 is not the one of the named file is refused, kept or not.
      await expect(files.get({ ...ref, sha256: '0'.repeat(64) })).rejects.toMatchObject({
        code: 'HASH_FAILURE',
      });
      await expect(
        files.get({ ref: 'gridfs:sha256-' + 'a'.repeat(64), sha256: 'a'.repeat(64), size: 1 }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      await other.close();
    }
  });
});
