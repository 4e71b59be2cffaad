import { Client, Connection } from '@temporalio/client';
import { createRequestIdClientInterceptor } from './request-id';

export interface TemporalHandle {
  connection: Connection;
  client: Client;
  close(): Promise<void>;
}

/** Connects a Temporal client whose workflow starts carry the caller's request id in a header. */
export async function connectTemporal(address: string, namespace: string): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address, connectTimeout: '5s' });
  const client = new Client({
    connection,
    namespace,
    interceptors: { workflow: [createRequestIdClientInterceptor()] },
  });
  return { connection, client, close: () => connection.close() };
}
