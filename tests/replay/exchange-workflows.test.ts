import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';

/**
 * Recorded histories of the exchange workflows (one document to three recipients through every status) replay
 * against the current workflow code without non-determinism. Refresh them with
 * `LIENTHONG_RECORD_HISTORIES=1 npx jest --selectProjects integration -- tests/integration/exchange/exchange.test.ts`.
 */
describe('exchange workflow histories', () => {
  for (const [file, workflowId] of [
    ['document-workflow.json', 'documentWorkflow'],
    ['received-document-workflow.json', 'receivedDocumentWorkflow'],
  ] as const) {
    it(`replays the recorded ${workflowId} history`, async () => {
      const history = JSON.parse(readFileSync(join(__dirname, 'histories', file), 'utf8'));
      await Worker.runReplayHistory(
        {
          workflowsPath: require.resolve('../../workflows'),
          interceptors: { workflowModules: [require.resolve('../../workflows/interceptors')] },
        },
        history,
        `${workflowId}-replay`,
      );
    }, 60_000);
  }
});
