import { AsyncLocalStorage } from 'node:async_hooks';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { REQUEST_ID_HEADER } from '../schemas/constants';

/** The request id of the HTTP request (or CLI run) being served, carried across async calls. */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

function withRequestId<T extends { headers: Record<string, unknown> }>(input: T): T {
  const requestId = requestContext.getStore()?.requestId;
  if (!requestId) return input;
  return {
    ...input,
    headers: { ...input.headers, [REQUEST_ID_HEADER]: defaultPayloadConverter.toPayload(requestId) },
  };
}

/**
 * Adds the current request id as a Temporal header on workflow starts, updates and signals, so workflow and
 * activity logs can be joined with the API log line that caused them.
 */
export function createRequestIdClientInterceptor(): WorkflowClientInterceptor {
  return {
    start: (input, next) => next(withRequestId(input)),
    startUpdate: (input, next) => next(withRequestId(input)),
    signal: (input, next) => next(withRequestId(input)),
    signalWithStart: (input, next) => next(withRequestId(input)),
  };
}
