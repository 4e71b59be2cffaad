import type { Db } from 'mongodb';
import { Collections } from '../schemas/constants';

interface AttemptDoc {
  _id: string;
  count: number;
  expiresAt: Date;
}

/**
 * Fixed-window login attempt counters in MongoDB, shared by every API instance.
 * `hit` counts an attempt and says whether the key is over its limit.
 */
export class LoginAttempts {
  constructor(
    private readonly db: Db,
    private readonly windowSeconds: number,
  ) {}

  async hit(key: string, limit: number, now: Date): Promise<{ allowed: boolean; retryAfterSeconds: number }> {
    const windowMs = this.windowSeconds * 1000;
    const windowStart = Math.floor(now.getTime() / windowMs) * windowMs;
    const res = await this.db
      .collection<AttemptDoc>(Collections.loginAttempts)
      .findOneAndUpdate(
        { _id: `${key}@${windowStart}` },
        { $inc: { count: 1 }, $setOnInsert: { expiresAt: new Date(windowStart + windowMs) } },
        { upsert: true, returnDocument: 'after' },
      );
    const count = res?.count ?? 1;
    return {
      allowed: count <= limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now.getTime()) / 1000)),
    };
  }

  /** Removes expired windows (called opportunistically; FerretDB v1 has no TTL index guarantee). */
  async prune(now: Date): Promise<void> {
    await this.db.collection<AttemptDoc>(Collections.loginAttempts).deleteMany({ expiresAt: { $lt: now } });
  }
}
