import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';

/**
 * A recorded personnel change (revoke, close, re-route, record, audit) replays against the current workflow code:
 * changes still running when a new worker version deploys must not fail with non-determinism. Re-record with
 * `LIENTHONG_RECORD_HISTORIES=personnel-change-workflow.json` and the integration test
 * personnel-change-durability only for a new path, never over this one.
 */
describe('personnel change workflow history', () => {
  it('replays the recorded personnelChangeWorkflow history', async () => {
    const file = join(__dirname, 'histories', 'personnel-change-workflow.json');
    await Worker.runReplayHistory(
      {
        workflowsPath: require.resolve('../../workflows'),
        interceptors: { workflowModules: [require.resolve('../../workflows/interceptors')] },
      },
      JSON.parse(readFileSync(file, 'utf8')),
      'personnelChangeWorkflow-replay',
    );
  }, 60_000);
});
