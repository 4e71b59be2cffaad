import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';

/**
 * Recorded histories of the exchange workflows (one document to three recipients through every status) replay
 * against the current workflow code without non-determinism. Refresh them with
 * `LIENTHONG_RECORD_HISTORIES=1 npx jest --selectProjects integration -- tests/integration/exchange/exchange.test.ts`
 * (the first two, which predate the patches and must stay as recorded) and
 * `LIENTHONG_RECORD_HISTORIES=1 npx jest --selectProjects integration -- tests/integration/flows-approval.test.ts -t reminds`
 * (the flow-stages history).
 */
describe('exchange workflow histories', () => {
  for (const [file, workflowId] of [
    ['document-workflow.json', 'documentWorkflow'],
    ['received-document-workflow.json', 'receivedDocumentWorkflow'],
    // Recorded after patch `flow-stages-v1`: stages, reminder and deadline timers, escalation, return to drafter.
    ['document-workflow-flow-stages.json', 'documentWorkflow'],
  ] as const) {
    it(`replays the recorded ${workflowId} history ${file}`, async () => {
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
