import type { Payload } from '@temporalio/common';
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { REQUEST_ID_HEADER } from '../schemas/constants';

// Per workflow execution: each execution has its own module instance inside the workflow sandbox.
let requestId: Payload | undefined;

/**
 * Carries the request id header of the start (or the latest update/signal) into every activity the workflow
 * schedules, and adds it to workflow log lines.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        requestId = input.headers[REQUEST_ID_HEADER] ?? requestId;
        return next(input);
      },
      async handleUpdate(input, next) {
        requestId = input.headers[REQUEST_ID_HEADER] ?? requestId;
        return next(input);
      },
      async handleSignal(input, next) {
        requestId = input.headers[REQUEST_ID_HEADER] ?? requestId;
        return next(input);
      },
    },
  ],
  outbound: [
    {
      async scheduleActivity(input, next) {
        return next(
          requestId ? { ...input, headers: { ...input.headers, [REQUEST_ID_HEADER]: requestId } } : input,
        );
      },
      async scheduleLocalActivity(input, next) {
        return next(
          requestId ? { ...input, headers: { ...input.headers, [REQUEST_ID_HEADER]: requestId } } : input,
        );
      },
      getLogAttributes(input, next) {
        return next(requestId?.data ? { ...input, requestId: decodeJsonString(requestId) } : input);
      },
    },
  ],
});

function decodeJsonString(payload: Payload): string | undefined {
  try {
    const text = new TextDecoder().decode(payload.data);
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
