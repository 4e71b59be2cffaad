/**
 * Errors of a dependency that a later attempt may not meet: the database, Temporal or NATS unreachable, busy or
 * timing out. The API answers them 503 with Retry-After, never 500 (a 500 says our code is wrong).
 */
const TRANSIENT_MONGO = new Set([
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoServerSelectionError',
  'MongoNotConnectedError',
  'MongoPoolClearedError',
  'MongoTopologyClosedError',
  'MongoWaitQueueTimeoutOutError',
]);

/** gRPC status codes Temporal's client gives up with when the server is down or overloaded. */
const TRANSIENT_GRPC = new Set([
  4, // DEADLINE_EXCEEDED
  8, // RESOURCE_EXHAUSTED
  14, // UNAVAILABLE
]);

const TRANSIENT_NATS = new Set([
  'TimeoutError',
  'RequestError',
  'ClosedConnectionError',
  'NoRespondersError',
]);

export function isTransientDependencyError(err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > 4) return false;
  const e = err as { name?: unknown; code?: unknown; cause?: unknown; errorLabels?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  if (TRANSIENT_MONGO.has(name)) return true;
  // The driver labels errors worth retrying (a primary stepping down, a reset connection).
  if (Array.isArray(e.errorLabels) && e.errorLabels.includes('RetryableWriteError')) return true;
  // Temporal's ServiceError carries the gRPC error (a numeric `code`) as its cause; MongoDB's numeric codes differ.
  if (!name.startsWith('Mongo') && typeof e.code === 'number' && TRANSIENT_GRPC.has(e.code)) return true;
  if (TRANSIENT_NATS.has(name)) return true;
  return isTransientDependencyError(e.cause, depth + 1);
}
