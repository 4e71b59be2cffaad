import { Client, Connection } from '@temporalio/client';
import { activitySpans, type ActivitySpan } from './history';

export interface SlowActivity extends ActivitySpan {
  workflowId: string;
}

/**
 * The slowest activities of every workflow the Temporal server at `address` knows (a chaos run's own dev server),
 * and how many activities needed more than one attempt: where recovery waited for a timeout instead of an error.
 */
export async function slowActivities(
  address: string,
  limit: number,
): Promise<{ activities: number; retried: number; slowest: SlowActivity[] }> {
  const connection = await Connection.connect({ address });
  try {
    const client = new Client({ connection });
    const all: SlowActivity[] = [];
    for await (const wf of client.workflow.list()) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      for (const span of activitySpans(history.events ?? []))
        all.push({ workflowId: wf.workflowId, ...span });
    }
    all.sort((a, b) => b.ms - a.ms);
    return {
      activities: all.length,
      retried: all.filter((a) => a.attempt > 1).length,
      slowest: all.slice(0, limit),
    };
  } finally {
    await connection.close();
  }
}
