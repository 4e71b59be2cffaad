import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface NatsOptions {
  url: string;
  user?: string;
  password?: string;
  name: string;
}

/** Connects to NATS; reconnects forever so a server restart loses nothing that JetStream stored. */
export async function connectNats(options: NatsOptions): Promise<NatsConnection> {
  return connect({
    servers: options.url.split(','),
    user: options.user,
    pass: options.password,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
}
export type { NatsConnection };
