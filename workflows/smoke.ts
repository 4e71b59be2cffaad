import { proxyActivities } from '@temporalio/workflow';
import type { SmokeActivities } from '../activities/smoke';

const { publishSmokeMessage, consumeSmokeMessage, recordSmokeAudit } = proxyActivities<SmokeActivities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 5, initialInterval: '200ms' },
});

export interface SmokeCheckInput {
  checkId: string;
}

export interface SmokeCheckResult {
  checkId: string;
  streamSeq: number;
  received: boolean;
  auditEventId: string;
  auditHash: string;
}

/**
 * Proves the three services work together: an activity publishes to JetStream, another consumes that very
 * message, and a third appends an audit event to MongoDB and reads it back.
 */
export async function smokeCheckWorkflow(input: SmokeCheckInput): Promise<SmokeCheckResult> {
  const published = await publishSmokeMessage(input.checkId);
  const consumed = await consumeSmokeMessage(input.checkId, published.seq);
  const audit = await recordSmokeAudit(input.checkId, consumed.seq);
  return {
    checkId: input.checkId,
    streamSeq: consumed.seq,
    received: consumed.checkId === input.checkId,
    auditEventId: audit.id,
    auditHash: audit.hash,
  };
}
