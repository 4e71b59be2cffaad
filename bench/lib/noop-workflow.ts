import { proxyActivities } from '@temporalio/workflow';

/** The no-op activity the engine's floor is measured with: one round trip through Temporal, no work. */
export interface NoopActivities {
  noop(step: number): Promise<number>;
}

const { noop } = proxyActivities<NoopActivities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '10s' },
});

/** Shape of one document's exchange, in activities: the sender's chain and one branch per recipient. */
export interface NoopExchangeInput {
  senderActivities: number;
  recipients: number;
  activitiesPerRecipient: number;
}

/**
 * As many no-op activities as a document's exchange runs, with none of its work (signing, verification, NATS,
 * MongoDB): the sender's share one after another, then each recipient's share in a parallel branch, as the
 * recipients' workflows run side by side. Benchmarks only (bench/exchange.ts).
 */
export async function noopExchangeWorkflow(input: NoopExchangeInput): Promise<number> {
  let sum = 0;
  for (let i = 0; i < input.senderActivities; i++) sum += await noop(i);
  const branches = Array.from({ length: input.recipients }, async () => {
    let branch = 0;
    for (let i = 0; i < input.activitiesPerRecipient; i++) branch += await noop(i);
    return branch;
  });
  for (const b of await Promise.all(branches)) sum += b;
  return sum;
}
