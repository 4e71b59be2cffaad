import { connectMongo, ensureIndexes } from '../../infra/mongo';
import { loadConfig } from '../../infra/env-config';
import { IdentityStore } from '../../store/identity-store';
import { pkiStoreFromConfig } from '../../store/pki-store';
import { seedDemoPki, seedDemoProvince } from '../../store/seed';

/**
 * Indexes, the demo province (agencies and users) and its PKI (CA, certificates), idempotently, in the database
 * the children of `env` will use. Run once before the workers and API instances start.
 */
export async function seedDemo(env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<void> {
  const mongo = await connectMongo(env.MONGODB_URI!, env.MONGODB_DB ?? 'lienthong');
  try {
    await ensureIndexes(mongo.db);
    const identity = new IdentityStore(mongo.db);
    const seeded = await seedDemoProvince(identity);
    say(`demo province: ${seeded.agencies} agencies, ${seeded.usersCreated} new users`);
    const pki = pkiStoreFromConfig(mongo.db, loadConfig(env));
    const certs = await seedDemoPki(identity, pki, new Date());
    say(`demo PKI: CA ready, ${certs.certificates} new certificates`);
  } finally {
    await mongo.close();
  }
}
