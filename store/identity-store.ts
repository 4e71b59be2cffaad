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
}

/** Agencies and users in MongoDB. Agency code and username are the document ids. */
export class IdentityStore {
  constructor(private readonly db: Db) {}

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
    return res.upsertedCount === 1;
  }

  /** Activates or deactivates an account (a leader who left can no longer sign in or act). */
  async setActive(username: string, active: boolean): Promise<boolean> {
    const res = await this.users.updateOne({ _id: username }, { $set: { active } });
    return res.matchedCount === 1;
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

  /** The user when the password matches and the account is active; null otherwise (no hint which part failed). */
  async authenticate(username: string, password: string): Promise<User | null> {
    const doc = await this.users.findOne({ _id: username });
    // Hash anyway when the user is unknown so response time does not reveal which usernames exist.
    const hash = doc?.passwordHash ?? DUMMY_HASH;
    const ok = await verifyPassword(password, hash);
    if (!doc || !ok || doc.active === false) return null;
    const { _id, passwordHash: _h, ...u } = doc;
    return UserSchema.parse(u);
  }
}

const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
