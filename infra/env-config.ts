import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseConfig, type Config } from '../schemas/config';

const FILE_SECRETS = [
  'JWT_SECRET',
  'LIENTHONG_KEYSTORE_PASSPHRASE',
  'NATS_PASSWORD',
  'METRICS_TOKEN',
  'NATS_AGENCY_SECRET',
  'EDXML_INBOX_TOKEN',
] as const;

/** Reads `NAME_FILE` variables (Docker/Kubernetes secrets) into `NAME`, trimming the trailing newline. */
export function resolveFileSecrets(
  env: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const out = { ...env };
  for (const name of FILE_SECRETS) {
    const file = env[`${name}_FILE`];
    if (!out[name] && file) out[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  }
  return out;
}

/**
 * A development secret kept in the data dir (mode 0600) so tokens and keys survive restarts of `npm start`.
 * Production sets the variable (or its `_FILE`) instead.
 */
export function devSecret(dataDir: string, name: string): string {
  const dir = join(resolve(dataDir), 'secrets');
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

/** The process configuration from an environment record (usually `process.env`). */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const resolved = resolveFileSecrets(env);
  const dataDir = resolved.LIENTHONG_DATA_DIR ?? '.data';
  const withDevSecrets = {
    ...resolved,
    LIENTHONG_KEYSTORE_PASSPHRASE:
      resolved.LIENTHONG_KEYSTORE_PASSPHRASE ?? devSecret(dataDir, 'keystore-passphrase'),
  };
  return parseConfig(withDevSecrets, resolved.JWT_SECRET ?? devSecret(dataDir, 'jwt-secret'));
}
