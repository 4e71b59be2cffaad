import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ZodError } from 'zod';
import { parseConfig } from '../../../schemas/config';
import { canonicalJson } from '../../../store/canonical-json';
import { hashAuditEvent, GENESIS_HASH } from '../../../store/audit-store';
import { hashPassword, verifyPassword } from '../../../store/passwords';
import { ensureTools } from '../../../scripts/lib/tools';
import { portsFromEnv, DEFAULT_PORTS } from '../../../scripts/lib/ports';

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, 'x'], c: undefined, b: null } })).toBe(
      '{"a":{"b":null,"d":[1,"x"]},"b":1}',
    );
  });
  it('keeps Vietnamese text as it is', () => {
    expect(canonicalJson({ name: 'Ủy ban nhân dân xã Tân Phú' })).toBe(
      '{"name":"Ủy ban nhân dân xã Tân Phú"}',
    );
  });
  it('refuses values JSON cannot carry', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });
});

describe('audit event hashing', () => {
  const base = {
    id: 'evt-00000001',
    time: '2026-05-04T10:00:00+07:00',
    agency: '000.01.01.H29',
    actor: 'clerk.000.01.01.h29',
    type: 'document.dispatched',
    details: { b: 2, a: 1 },
    seq: 1,
    prevHash: GENESIS_HASH,
  };
  it('does not depend on key order', () => {
    expect(hashAuditEvent(base)).toBe(hashAuditEvent({ ...base, details: { a: 1, b: 2 } }));
  });
  it('changes with any field, the chain link included', () => {
    expect(hashAuditEvent({ ...base, prevHash: 'f'.repeat(64) })).not.toBe(hashAuditEvent(base));
    expect(hashAuditEvent({ ...base, actor: 'someone.else' })).not.toBe(hashAuditEvent(base));
  });
});

describe('password hashing', () => {
  it('verifies the right password and rejects others, including Unicode in another normal form', async () => {
    const hash = await hashPassword('Mật khẩu 2026');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('Mật khẩu 2026', hash)).toBe(true);
    expect(await verifyPassword('Mật khẩu 2026'.normalize('NFD'), hash)).toBe(true);
    expect(await verifyPassword('mat khau 2026', hash)).toBe(false);
    expect(await verifyPassword('x', 'garbage')).toBe(false);
  });
});

describe('configuration', () => {
  it('has defaults that avoid the ports the machine already uses', () => {
    const config = parseConfig({}, 'x'.repeat(32));
    expect(config.temporal.address).toBe('127.0.0.1:17233');
    expect(config.nats.url).toBe('nats://127.0.0.1:14222');
    expect(config.mongo.uri).toBe('mongodb://127.0.0.1:27027/');
    expect(config.http.port).toBe(8080);
    expect(Object.isFrozen(config)).toBe(true);
    for (const port of Object.values(DEFAULT_PORTS))
      expect([4222, 5432, 3306, 6379, 5672, 1883]).not.toContain(port);
  });
  it('names the variable that is wrong', () => {
    expect(() => parseConfig({ PORT: 'eighty' }, 'x'.repeat(32))).toThrow(ZodError);
    expect(() => portsFromEnv({ NATS_PORT: '70000' })).toThrow('NATS_PORT=70000 is not a TCP port');
  });
});

describe('tool discovery', () => {
  it('says clearly that Go is needed when a tool is missing and cannot be built', () => {
    const empty = mkdtempSync(join(tmpdir(), 'lienthong-tools-'));
    expect(() =>
      ensureTools({ PATH: empty, LIENTHONG_TOOLS_DIR: empty, GO_BIN: join(empty, 'go') }, () => {}),
    ).toThrow(/Go is not installed/);
  });
  it('uses the binaries named by environment variables', () => {
    const tools = ensureTools({
      TEMPORAL_CLI: '/bin/true',
      FERRETDB_BIN: '/bin/true',
      NATS_SERVER_BIN: '/bin/true',
      PATH: '',
    });
    expect(tools).toEqual({ temporal: '/bin/true', ferretdb: '/bin/true', natsServer: '/bin/true' });
  });
  it('refuses an environment variable that points nowhere', () => {
    expect(() => ensureTools({ TEMPORAL_CLI: '/no/such/temporal', PATH: '' })).toThrow(
      'TEMPORAL_CLI=/no/such/temporal does not exist',
    );
  });
});
