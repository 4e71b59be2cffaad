import { randomBytes } from 'node:crypto';
import { MongoServerError, type Db } from 'mongodb';
import { Collections } from '../schemas/constants';
import { LienthongError } from '../schemas/errors';
import { AgencySchema, UserSchema, type Agency, type Role, type User } from '../schemas/identity';
import { IdentityStore } from './identity-store';
import { hashPassword, verifyPassword } from './passwords';

interface AgencyDoc extends Agency {
  _id: string;
}
interface UserDoc extends User {
  _id: string;
  passwordHash: string;
  /** Token generation (absent = 0): every token carries it as claim `tv`; a bump refuses older tokens. */
  tokenVersion?: number;
}

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/**
 * Increments a user's token generation so tokens issued before now are refused, through the identity store so that
 * this process's cached account is dropped at once.
 */
async function bumpTokenVersion(db: Db, username: string): Promise<void> {
  await new IdentityStore(db).bumpTokenVersion(username);
}

/** A random temporary password (16 base64url characters, 96 bits). */
export function generatePassword(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * Writes of the administration API on agencies and users. Reads stay in `IdentityStore`. Every change that alters
 * what a user may do (deactivation, roles, agency, password) bumps the user's token generation.
 */
export class IdentityAdminStore {
  constructor(private readonly db: Db) {}

  private get agencies() {
    return this.db.collection<AgencyDoc>(Collections.agencies);
  }
  private get users() {
    return this.db.collection<UserDoc>(Collections.users);
  }

  /** @throws LienthongError CONFLICT when the username is taken. */
  async createUser(user: User, password: string): Promise<User> {
    const u = UserSchema.parse({ ...user, active: true, passwordChangeRequired: true });
    try {
      await this.users.insertOne({ _id: u.username, ...u, passwordHash: await hashPassword(password) });
    } catch (err) {
      if (isDuplicateKey(err)) throw new LienthongError('CONFLICT', `user ${u.username} already exists`);
      throw err;
    }
    return u;
  }

  /**
   * Applies a change to profile fields, roles or agency. A change of roles or agency bumps the token generation.
   * @throws LienthongError NOT_FOUND for an unknown user.
   */
  async updateUser(
    username: string,
    change: { fullName?: string; title?: string | null; roles?: Role[]; agency?: string },
  ): Promise<User> {
    const set: Record<string, unknown> = {};
    const unset: Record<string, ''> = {};
    if (change.fullName !== undefined) set.fullName = change.fullName;
    if (change.title === null) unset.title = '';
    else if (change.title !== undefined) set.title = change.title;
    if (change.roles !== undefined) set.roles = [...new Set(change.roles)];
    if (change.agency !== undefined) set.agency = change.agency;
    const update: Record<string, unknown> = {};
    if (Object.keys(set).length) update.$set = set;
    if (Object.keys(unset).length) update.$unset = unset;
    const res = await this.users.updateOne({ _id: username }, update);
    if (res.matchedCount !== 1) throw new LienthongError('NOT_FOUND', `no user ${username}`);
    if (change.roles !== undefined || change.agency !== undefined) await bumpTokenVersion(this.db, username);
    return (await this.getUser(username))!;
  }

  /** Opens or closes an account; both bump the token generation. @throws LienthongError NOT_FOUND. */
  async setActive(username: string, active: boolean): Promise<User> {
    const res = await this.users.updateOne({ _id: username }, { $set: { active } });
    if (res.matchedCount !== 1) throw new LienthongError('NOT_FOUND', `no user ${username}`);
    await bumpTokenVersion(this.db, username);
    return (await this.getUser(username))!;
  }

  /** Sets a temporary password the user must change at next sign-in. @throws LienthongError NOT_FOUND. */
  async resetPassword(username: string, password: string): Promise<User> {
    const passwordHash = await hashPassword(password);
    const res = await this.users.updateOne(
      { _id: username },
      { $set: { passwordHash, passwordChangeRequired: true } },
    );
    if (res.matchedCount !== 1) throw new LienthongError('NOT_FOUND', `no user ${username}`);
    await bumpTokenVersion(this.db, username);
    return (await this.getUser(username))!;
  }

  /**
   * The user's own password change: checks the current one, stores the new one, clears the change-required flag.
   * @throws LienthongError INVALID_CREDENTIALS when the current password is wrong, CONFLICT when unchanged.
   */
  async changePassword(username: string, current: string, next: string): Promise<User> {
    const doc = await this.users.findOne({ _id: username });
    if (!doc || doc.active === false || !(await verifyPassword(current, doc.passwordHash)))
      throw new LienthongError('INVALID_CREDENTIALS', 'the current password is wrong');
    if (current === next)
      throw new LienthongError('CONFLICT', 'the new password must differ from the current one');
    await this.users.updateOne(
      { _id: username },
      { $set: { passwordHash: await hashPassword(next) }, $unset: { passwordChangeRequired: '' } },
    );
    await bumpTokenVersion(this.db, username);
    return (await this.getUser(username))!;
  }

  async getUser(username: string): Promise<User | null> {
    const doc = await this.users.findOne({ _id: username }, { projection: { passwordHash: 0 } });
    if (!doc) return null;
    const { _id, tokenVersion: _tv, ...u } = doc;
    return UserSchema.parse(u);
  }

  async listUsers(filter: { agency?: string; role?: string; active?: boolean }): Promise<User[]> {
    const q: Record<string, unknown> = {};
    if (filter.agency) q.agency = filter.agency;
    if (filter.role) q.roles = filter.role;
    if (filter.active !== undefined) q.active = filter.active;
    const docs = await this.users
      .find(q, { projection: { passwordHash: 0 } })
      .sort({ _id: 1 })
      .toArray();
    return docs.map(({ _id, tokenVersion: _tv, ...u }) => UserSchema.parse(u));
  }

  /** @throws LienthongError CONFLICT when the code is taken. */
  async createAgency(agency: Agency): Promise<Agency> {
    const a = AgencySchema.parse({ ...agency, active: true });
    try {
      await this.agencies.insertOne({ _id: a.code, ...a });
    } catch (err) {
      if (isDuplicateKey(err)) throw new LienthongError('CONFLICT', `agency ${a.code} already exists`);
      throw err;
    }
    return a;
  }

  /** Renames or re-parents an agency; `null` clears an optional field. @throws LienthongError NOT_FOUND. */
  async updateAgency(
    code: string,
    change: {
      name?: string;
      shortName?: string | null;
      level?: string;
      parent?: string | null;
      place?: string | null;
    },
  ): Promise<Agency> {
    const set: Record<string, unknown> = {};
    const unset: Record<string, ''> = {};
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) continue;
      if (value === null && key !== 'parent') unset[key] = '';
      else set[key] = value;
    }
    const update: Record<string, unknown> = {};
    if (Object.keys(set).length) update.$set = set;
    if (Object.keys(unset).length) update.$unset = unset;
    const res = await this.agencies.updateOne({ _id: code }, update);
    if (res.matchedCount !== 1) throw new LienthongError('NOT_FOUND', `no agency ${code}`);
    return (await this.getAgency(code))!;
  }

  /**
   * Retires an agency (dissolution, or merger when `successor` is given). Only an active agency can be retired.
   * @throws LienthongError NOT_FOUND, or WRONG_STATE when it is already retired.
   */
  async retireAgency(code: string, at: Date, successor?: string): Promise<Agency> {
    const set: Record<string, unknown> = { active: false, retiredAt: at.toISOString() };
    if (successor) set.successor = successor;
    const res = await this.agencies.updateOne({ _id: code, active: { $ne: false } }, { $set: set });
    if (successor && res.matchedCount === 1) await touchMergers(this.db);
    if (res.matchedCount !== 1) {
      if (!(await this.getAgency(code))) throw new LienthongError('NOT_FOUND', `no agency ${code}`);
      throw new LienthongError('WRONG_STATE', `agency ${code} is already retired`);
    }
    return (await this.getAgency(code))!;
  }

  async getAgency(code: string): Promise<Agency | null> {
    const doc = await this.agencies.findOne({ _id: code });
    if (!doc) return null;
    const { _id, ...a } = doc;
    return AgencySchema.parse(a);
  }
}

interface MergerMap {
  generation: string | undefined;
  loadedAt: number;
  checkedAt: number;
  /** successor → the agencies merged directly into it */
  merged: Map<string, string[]>;
}

const mergerMapsByDb = new WeakMap<Db, MergerMap>();

/** Marks that the merger map changed, so every process reloads it (see `readableAgencies`). */
async function touchMergers(db: Db): Promise<void> {
  // A fresh random value rather than $inc: any write changes it, even two racing ones on FerretDB.
  await db
    .collection<{ _id: string; generation: string }>(Collections.agencyMergers)
    .updateOne(
      { _id: 'mergers' },
      { $set: { generation: randomBytes(8).toString('hex') } },
      { upsert: true },
    );
  mergerMapsByDb.delete(db);
}

/**
 * How long a cached map is used without asking for the generation: other processes see a merger at most this
 * late (this process at once). A document read asks for the map, and clients poll documents several times a
 * second while they wait for a status.
 */
const MERGER_MAP_FRESH_MS = 1_000;

/**
 * A cached map is reloaded after this long even when the generation did not change: a process that crashed between
 * retiring an agency and touching the generation leaves caches stale for at most this long.
 */
const MERGER_MAP_MAX_AGE_MS = 60_000;

/**
 * Who was merged into whom, cached per process and reloaded when the `mergers` generation changed. Every document
 * read asks this; finding merged agencies by `successor` is a query FerretDB answers by reading the whole agency
 * collection, while the generation is one `_id` lookup.
 */
async function mergerMap(db: Db): Promise<Map<string, string[]>> {
  const now = Date.now();
  const fresh = mergerMapsByDb.get(db);
  if (fresh && now - fresh.checkedAt < MERGER_MAP_FRESH_MS) return fresh.merged;
  const meta = await db
    .collection<{ _id: string; generation: string }>(Collections.agencyMergers)
    .findOne({ _id: 'mergers' });
  const cached = mergerMapsByDb.get(db);
  if (cached && cached.generation === meta?.generation && now - cached.loadedAt < MERGER_MAP_MAX_AGE_MS) {
    cached.checkedAt = now;
    return cached.merged;
  }
  const merged = new Map<string, string[]>();
  const docs = await db
    .collection<AgencyDoc>(Collections.agencies)
    .find({ successor: { $exists: true } }, { projection: { _id: 1, successor: 1 } })
    .toArray();
  for (const d of docs) if (d.successor) merged.set(d.successor, [...(merged.get(d.successor) ?? []), d._id]);
  mergerMapsByDb.set(db, { generation: meta?.generation, loadedAt: now, checkedAt: now, merged });
  return merged;
}

/**
 * The agencies whose records a user of `agency` reads: its own and, transitively, every agency merged into it
 * (a merged commune's documents stay readable under the new one). Bounded against a corrupt successor cycle.
 */
export async function readableAgencies(db: Db, agency: string): Promise<string[]> {
  const merged = await mergerMap(db);
  const result = [agency];
  for (let i = 0; i < result.length && result.length < 200; i++)
    for (const m of merged.get(result[i]!) ?? []) if (!result.includes(m)) result.push(m);
  return result;
}
