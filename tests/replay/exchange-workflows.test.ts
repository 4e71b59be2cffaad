import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';

/**
 * Recorded histories of the exchange workflows replay against the current workflow code without non-determinism.
 * A history recorded before a workflow change must stay as recorded; record one for a new path with
 * `LIENTHONG_RECORD_HISTORIES=<file.json>[,<file.json>…] npx jest --selectProjects integration -- <test file>`
 * (tests/integration/helpers/record-history.ts; `1` records every history the tests know).
 */
describe('exchange workflow histories', () => {
  for (const [file, workflowId] of [
    ['document-workflow.json', 'documentWorkflow'],
    ['received-document-workflow.json', 'receivedDocumentWorkflow'],
    // Recorded after patch `flow-stages-v1`: stages, reminder and deadline timers, escalation, return to drafter.
    ['document-workflow-flow-stages.json', 'documentWorkflow'],
    // Recorded before patch `follow-up-v1` (recall, update and replace after completion): a recall agreed by one
    // recipient and refused by the other, who then completes; a flow migration; leadership-change re-routing.
    ['document-workflow-recall.json', 'documentWorkflow'],
    ['received-document-workflow-recall-agreed.json', 'receivedDocumentWorkflow'],
    ['received-document-workflow-recall-refused.json', 'receivedDocumentWorkflow'],
    ['document-workflow-migrate.json', 'documentWorkflow'],
    ['document-workflow-reroute.json', 'documentWorkflow'],
    ['document-workflow-reroute-returned.json', 'documentWorkflow'],
    // Recorded after `follow-up-v1`: a replacement (the new version, a recipient's new copy, a completed copy it
    // superseded) and a recall after the sender completed.
    ['document-workflow-replace.json', 'documentWorkflow'],
    ['received-document-workflow-replacement.json', 'receivedDocumentWorkflow'],
    ['received-document-workflow-superseded.json', 'receivedDocumentWorkflow'],
    ['document-workflow-recall-after-completion.json', 'documentWorkflow'],
    // Recorded after `batched-records-v1`: one dispatch activity per recipient at once, audited together; statuses
    // that arrived together audited together; `01` sent before the check is audited.
    ['document-workflow-batched.json', 'documentWorkflow'],
    ['received-document-workflow-batched.json', 'receivedDocumentWorkflow'],
    // Recorded after `parallel-issue-v1`: numbering beside the organisation signature, audited together.
    ['document-workflow-parallel-issue.json', 'documentWorkflow'],
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
