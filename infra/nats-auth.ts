import { createHmac } from 'node:crypto';
import {
  DEFAULT_EXCHANGE_NAMES,
  agencyConsumerName,
  agencyToken,
  type ExchangeNames,
} from '../schemas/edxml';
import { leafNatsUserConfig } from './leaf-node';

export interface NatsAuthOptions {
  /** One NATS user per agency (`agency-<token>`), with its password. */
  agencies: { code: string; password: string }[];
  /** The worker/API user: unrestricted inside the account. */
  system: { user: string; password: string };
  /** Communes running their own leaf node (infra/leaf-node.ts): one restricted user each for the link. */
  leaves?: { code: string; password: string }[];
  names?: ExchangeNames;
}

const list = (items: string[]) => `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;

/** NATS user name of an agency's connection. */
export function agencyNatsUser(code: string): string {
  return `agency-${agencyToken(code)}`;
}

/**
 * Password of an agency's NATS user, derived from one deployment secret (`NATS_AGENCY_SECRET`) so the server's
 * authorization block and the API's consumers agree without a password table: HMAC-SHA256(secret, agency code),
 * base64url. Rotating the secret rotates every agency's password.
 */
export function agencyNatsPassword(secret: string, code: string): string {
  return createHmac('sha256', secret).update(`nats-agency:${code}`).digest('base64url');
}

/** The per-agency users of `natsAuthorizationConfig` for a list of agency codes and the deployment secret. */
export function agencyNatsCredentials(secret: string, codes: readonly string[]): NatsAuthOptions['agencies'] {
  return codes.map((code) => ({ code, password: agencyNatsPassword(secret, code) }));
}

/**
 * A nats-server `authorization` block with per-agency permissions: an agency may publish documents and statuses to
 * any agency's exchange subjects, but may read only its own inbox and status subjects (and pull from its own durable
 * consumer); the system user (worker, API) is unrestricted. Included into the server config by
 * `scripts/lib/stack.ts` (`natsAuthConfig`).
 */
export function natsAuthorizationConfig(options: NatsAuthOptions): string {
  const n = options.names ?? DEFAULT_EXCHANGE_NAMES;
  const users = options.agencies.map(({ code, password }) => {
    const t = agencyToken(code);
    const consumer = agencyConsumerName(code);
    const publish = [
      `${n.subjectPrefix}.*.inbox`,
      `${n.subjectPrefix}.*.status`,
      `$JS.API.CONSUMER.MSG.NEXT.${n.stream}.${consumer}`,
      `$JS.API.CONSUMER.INFO.${n.stream}.${consumer}`,
      `$JS.ACK.${n.stream}.${consumer}.>`,
    ];
    const subscribe = [`${n.subjectPrefix}.${t}.inbox`, `${n.subjectPrefix}.${t}.status`, '_INBOX.>'];
    return [
      '    {',
      `      user: ${JSON.stringify(agencyNatsUser(code))}`,
      `      password: ${JSON.stringify(password)}`,
      `      permissions: { publish: { allow: ${list(publish)} }, subscribe: { allow: ${list(subscribe)} } }`,
      '    }',
    ].join('\n');
  });
  const system = [
    '    {',
    `      user: ${JSON.stringify(options.system.user)}`,
    `      password: ${JSON.stringify(options.system.password)}`,
    '    }',
  ].join('\n');
  const leaves = (options.leaves ?? []).map((leaf) => leafNatsUserConfig(leaf, n));
  return ['authorization {', '  users: [', [system, ...users, ...leaves].join('\n'), '  ]', '}', ''].join(
    '\n',
  );
}
