import { MongoServerError, type Db } from 'mongodb';
import { Collections } from '../schemas/constants';
import { documentLocks } from './document-locks';

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
    const count = await this.increment(`${key}@${windowStart}`, new Date(windowStart + windowMs));
    return {
      allowed: count <= limit,
      retryAfterSeconds: Math.max(1, Math.ceil((windowStart + windowMs - now.getTime()) / 1000)),
    };
  }

  /**
   * Counts one attempt in a window document. Two first attempts at once both try to insert it, and the loser's
   * upsert fails with a duplicate key (MongoDB retries that itself for such upserts, FerretDB does not): the
   * document exists then, so the retry increments it. This was a 500 on login under load.
   */
  private async increment(_id: string, expiresAt: Date): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await documentLocks(this.db).run(`login-attempts:${_id}`, () =>
          this.db
            .collection<AttemptDoc>(Collections.loginAttempts)
            .findOneAndUpdate(
              { _id },
              { $inc: { count: 1 }, $setOnInsert: { expiresAt } },
              { upsert: true, returnDocument: 'after' },
            ),
        );
        return res?.count ?? 1;
      } catch (err) {
        if (!(err instanceof MongoServerError && err.code === 11000) || attempt >= 3) throw err;
      }
    }
  }

  /** Removes expired windows (called opportunistically; FerretDB v1 has no TTL index guarantee). */
  async prune(now: Date): Promise<void> {
    await this.db.collection<AttemptDoc>(Collections.loginAttempts).deleteMany({ expiresAt: { $lt: now } });
  }
}
