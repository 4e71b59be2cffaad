import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * The worker evaluates every module of the workflow bundle again for each workflow it starts (module state is kept
 * apart per workflow). zod's schemas cost ~60 ms of the workflow thread per workflow, eleven workflows per document
 * with ten recipients, so workflow code imports its constants from the zod-free schemas/*-constants.ts modules.
 */
describe('workflow bundle', () => {
  const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  let modules: string[];

  beforeAll(async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../../workflows'),
      workflowInterceptorModules: [require.resolve('../../../workflows/interceptors')],
      logger: silent,
    });
    modules = [...new Set([...code.matchAll(/"(\.\/[^"\s]+\.[cm]?[jt]s)"/g)].map((m) => m[1]!))];
  }, 60_000);

  it('holds the exchange core and no zod', () => {
    expect(modules).toContain('./exchange/recipients.ts');
    expect(modules).toContain('./schemas/document-constants.ts');
    expect(modules.filter((m) => m.includes('/node_modules/zod/'))).toEqual([]);
    // The schema modules that build zod schemas at load time stay out too.
    expect(modules).not.toContain('./schemas/document.ts');
    expect(modules).not.toContain('./schemas/edxml.ts');
  });
});
