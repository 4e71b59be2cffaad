import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { Harness } from './harness';

/**
 * With LIENTHONG_RECORD_HISTORIES=1, saves a workflow's history under tests/replay/histories for the replay
 * project, which checks that the current workflow code still replays it. Histories recorded before a workflow
 * change must stay as recorded: re-record only the ones whose path the change adds.
 */
export async function recordHistory(h: Harness, workflowId: string, file: string): Promise<void> {
  if (!process.env.LIENTHONG_RECORD_HISTORIES) return;
  const wanted = process.env.LIENTHONG_RECORD_HISTORIES.split(',');
  if (!wanted.includes('1') && !wanted.includes(file)) return;
  const dir = join(__dirname, '../../replay/histories');
  mkdirSync(dir, { recursive: true });
  const history = await h.deps.temporal!.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(join(dir, file), historyToJSON(history));
}
