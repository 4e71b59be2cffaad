import { connectMongo } from '../infra/mongo';
import { loadConfig } from '../infra/env-config';
import { pkiStoreFromConfig } from '../store/pki-store';

/**
 * `lienthong pki ca init` without --dir: creates the system CA (root + issuing) in MongoDB if absent and prints
 * both subjects. Reads MONGODB_URI, MONGODB_DB and LIENTHONG_KEYSTORE_PASSPHRASE like the services.
 */
export async function initSystemCa(env: NodeJS.ProcessEnv): Promise<void> {
  const config = loadConfig(env);
  const mongo = await connectMongo(config.mongo.uri, config.mongo.db);
  try {
    const pki = pkiStoreFromConfig(mongo.db, config);
    const existed = await pki.isInitialised();
    await pki.ensureCa(new Date());
    process.stdout.write(
      `${JSON.stringify({
        created: !existed,
        root: pki.crlUrl('root'),
        issuing: pki.crlUrl('issuing'),
      })}\n`,
    );
  } finally {
    await mongo.close();
  }
}
