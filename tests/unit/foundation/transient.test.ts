import { ServiceError } from '@temporalio/client';
import { MongoNetworkError, MongoServerError, MongoServerSelectionError } from 'mongodb';
import Fastify from 'fastify';
import { registerProblemHandlers } from '../../../api/problem';
import { isTransientDependencyError } from '../../../api/transient';

/** A gRPC error as @grpc/grpc-js builds it: an Error with a numeric status code. */
function grpcError(code: number): Error {
  return Object.assign(new Error(`${code} grpc`), { code });
}

/** What the driver throws when no server answers in time (its second argument is the topology it saw). */
function selectionError(message: string): MongoServerSelectionError {
  return new MongoServerSelectionError(message, { error: null } as never);
}

describe('transient dependency errors', () => {
  it.each([
    ['MongoDB unreachable', new MongoNetworkError('connection reset')],
    ['no MongoDB server selected', selectionError('timed out')],
    ['Temporal unavailable', new ServiceError('start failed', { cause: grpcError(14) })],
    ['Temporal deadline exceeded', new ServiceError('signal failed', { cause: grpcError(4) })],
    ['Temporal overloaded', new ServiceError('start failed', { cause: grpcError(8) })],
  ])('%s is transient', (_label, err) => {
    expect(isTransientDependencyError(err)).toBe(true);
  });

  it.each([
    ['a duplicate key', new MongoServerError({ message: 'E11000', code: 11000 })],
    // Code 14 is TypeMismatch in MongoDB, UNAVAILABLE in gRPC: only the latter is transient.
    ['a MongoDB type mismatch', new MongoServerError({ message: 'type mismatch', code: 14 })],
    ['Temporal: workflow not found', new ServiceError('describe failed', { cause: grpcError(5) })],
    ['a programming error', new TypeError('x is undefined')],
    ['a string', 'boom'],
  ])('%s is not transient', (_label, err) => {
    expect(isTransientDependencyError(err)).toBe(false);
  });

  it('is answered 503 with Retry-After, not 500', async () => {
    const app = Fastify({ logger: false });
    registerProblemHandlers(app);
    app.get('/down', async () => {
      throw selectionError('Server selection timed out after 30000 ms');
    });
    app.get('/bug', async () => {
      throw new TypeError('x is undefined');
    });
    const down = await app.inject({ method: 'GET', url: '/down' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBe('2');
    expect(down.json()).toMatchObject({ code: 'DEPENDENCY_DOWN', status: 503 });
    const bug = await app.inject({ method: 'GET', url: '/bug' });
    expect(bug.statusCode).toBe(500);
    expect(bug.json()).toMatchObject({ code: 'INTERNAL', detail: 'Internal error' });
    await app.close();
  });
});
