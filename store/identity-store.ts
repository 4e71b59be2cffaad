import type { Db } from 'mongodb';
import { Collections } from '../schemas/constants';
import { AgencySchema, UserSchema, type Agency, type User } from '../schemas/identity';
import { hashPassword, verifyPassword } from './passwords';

interface AgencyDoc extends Agency {
  _id: string;
}
interface UserDoc extends User {
  _id: string;
  passwordHash: string;
  /** Generation of the user's tokens; absent means 0. Bumped when the account closes or its rights change. */
  tokenVersion?: number;
  /** The personnel change that last closed the account (makes a retried close a no-op). */
  closedBy?: string;
}

/**
 * What an authenticated request needs to know about its caller as the account is now (not as the token says):
 * whether it is open, its roles and agency, and the generation its tokens must carry (`tv` claim).
 */
export interface CurrentAccount {
  username: string;
  active: boolean;
  roles: User['roles'];
  agency: User['agency'];
  tokenVersion: number;
}

/** How long an account read for authentication is reused before MongoDB is asked again. */
export const ACCOUNT_CACHE_MS = 3_000;

/**
 * Accounts read for authentication, shared by every IdentityStore of the process (keyed by database and username)
 * so a bump through one instance is seen at once through the others.
 */
const accountCache = new Map<string, { account: CurrentAccount | null; until: number }>();

/** Agencies and users in MongoDB. Agency code and username are the document ids. */
export class IdentityStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  private cacheKey(username: string): string {
    return `${this.db.databaseName}\u0000${username}`;
  }

  /** Drops the cached account so the next request reads it again (after any change to the user document). */
  private forget(username: string): void {
    accountCache.delete(this.cacheKey(username));
  }

  private get agencies() {
    return this.db.collection<AgencyDoc>(Collections.agencies);
  }
  private get users() {
    return this.db.collection<UserDoc>(Collections.users);
  }

  /** Inserts or replaces an agency (idempotent). */
  async upsertAgency(agency: Agency): Promise<void> {
    const a = AgencySchema.parse(agency);
    await this.agencies.updateOne({ _id: a.code }, { $set: a }, { upsert: true });
  }

  async listAgencies(filter: { level?: string } = {}): Promise<Agency[]> {
    const docs = await this.agencies
      .find(filter.level ? { level: filter.level } : {})
      .sort({ _id: 1 })
      .toArray();
    return docs.map(({ _id, ...a }) => AgencySchema.parse(a));
  }

  async getAgency(code: string): Promise<Agency | null> {
    const doc = await this.agencies.findOne({ _id: code });
    if (!doc) return null;
    const { _id, ...a } = doc;
    return AgencySchema.parse(a);
  }

  /** Creates a user if absent; an existing user keeps its password (so a re-seed never resets passwords). */
  async ensureUser(user: User, password: string): Promise<boolean> {
    const u = UserSchema.parse(user);
    if (await this.users.findOne({ _id: u.username }, { projection: { _id: 1 } })) return false;
    const passwordHash = await hashPassword(password);
    const res = await this.users.updateOne(
      { _id: u.username },
      { $setOnInsert: { _id: u.username, ...u, passwordHash } },
      { upsert: true },
    );
    this.forget(u.username);
    return res.upsertedCount === 1;
  }

  /** Activates or deactivates an account (a leader who left can no longer sign in or act). */
  async setActive(username: string, active: boolean): Promise<boolean> {
    const res = await this.users.updateOne({ _id: username }, { $set: { active } });
    this.forget(username);
    return res.matchedCount === 1;
  }

  /**
   * Invalidates every token issued to the user so far: increments `tokenVersion` (absent counts as 0), which the
   * tokens carry as their `tv` claim. Call it when the account is closed, its roles or agency change, or its
   * password changes. Returns the new version, or null when the user does not exist.
   */
  async bumpTokenVersion(username: string): Promise<number | null> {
    const doc = await this.users.findOneAndUpdate(
      { _id: username },
      { $inc: { tokenVersion: 1 } },
      { returnDocument: 'after' },
    );
    this.forget(username);
    return doc ? (doc.tokenVersion ?? 0) : null;
  }

  /**
   * Closes the account for a personnel change and invalidates its tokens, in one single-document write so a crash
   * cannot leave it half closed. Repeating the call for the same change changes nothing (the token version is not
   * bumped twice); another change closing a reopened account does. Returns false when the user does not exist.
   */
  async closeAccount(username: string, changeId: string): Promise<boolean> {
    const res = await this.users.updateOne(
      { _id: username, closedBy: { $ne: changeId } },
      { $set: { active: false, closedBy: changeId }, $inc: { tokenVersion: 1 } },
    );
    this.forget(username);
    return res.matchedCount === 1 || (await this.users.countDocuments({ _id: username }, { limit: 1 })) === 1;
  }

  /**
   * The account as it is now, for authenticating a request: read from MongoDB at most every
   * {@link ACCOUNT_CACHE_MS} ms per user, and at once after a change made through any IdentityStore of this process.
   * Null when the user does not exist.
   */
  async currentAccount(username: string): Promise<CurrentAccount | null> {
    const key = this.cacheKey(username);
    const cached = accountCache.get(key);
    const now = this.now();
    if (cached && cached.until > now) return cached.account;
    const doc = await this.users.findOne(
      { _id: username },
      { projection: { active: 1, roles: 1, agency: 1, tokenVersion: 1 } },
    );
    const account: CurrentAccount | null = doc
      ? {
          username,
          active: doc.active !== false,
          roles: doc.roles,
          agency: doc.agency,
          tokenVersion: doc.tokenVersion ?? 0,
        }
      : null;
    if (accountCache.size > 10_000) accountCache.clear();
    accountCache.set(key, { account, until: now + ACCOUNT_CACHE_MS });
    return account;
  }

  async listUsers(filter: { agency?: string; role?: string } = {}): Promise<User[]> {
    const q: Record<string, unknown> = {};
    if (filter.agency) q.agency = filter.agency;
    if (filter.role) q.roles = filter.role;
    const docs = await this.users
      .find(q, { projection: { passwordHash: 0 } })
      .sort({ _id: 1 })
      .toArray();
    return docs.map(({ _id, ...u }) => UserSchema.parse(u));
  }

  async getUser(username: string): Promise<User | null> {
    const doc = await this.users.findOne({ _id: username }, { projection: { passwordHash: 0 } });
    if (!doc) return null;
    const { _id, ...u } = doc;
    return UserSchema.parse(u);
  }

  /**
   * The user (with its current `tokenVersion`, for the token's `tv` claim) when the password matches and the account
   * is active; null otherwise (no hint which part failed).
   */
  async authenticate(username: string, password: string): Promise<(User & { tokenVersion: number }) | null> {
    const doc = await this.users.findOne({ _id: username });
    // Hash anyway when the user is unknown so response time does not reveal which usernames exist.
    const hash = doc?.passwordHash ?? DUMMY_HASH;
    const ok = await verifyPassword(password, hash);
    if (!doc || !ok || doc.active === false) return null;
    const { _id, passwordHash: _h, tokenVersion, ...u } = doc;
    return { ...UserSchema.parse(u), tokenVersion: tokenVersion ?? 0 };
  }
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
