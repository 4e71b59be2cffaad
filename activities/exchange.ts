import { createFlowActivities } from './exchange/flows';
import { createReceiptActivities } from './exchange/receipt';
import { createRecordActivities } from './exchange/records';
import { createRegisterActivities } from './exchange/registers';
import { exchangeContext, type ExchangeActivityDeps } from './exchange/shared';
import { createSigningActivities } from './exchange/signing';
import { createTransportActivities } from './exchange/transport';

export type { ExchangeActivityDeps } from './exchange/shared';
export { flowDefinitionOf } from './exchange/flows';

/**
 * Activities of the document exchange: signing, numbering, transport, verification and the audit trail, grouped
 * by concern in activities/exchange/. One shared context, so every group sees the same stores and NATS topology.
 * Activity names are referenced by workflows and recorded histories: a group may move code, never rename.
 */
export function createExchangeActivities(deps: ExchangeActivityDeps) {
  const context = exchangeContext(deps);
  return {
    ...createRecordActivities(deps, context),
    ...createFlowActivities(deps, context),
    ...createSigningActivities(deps, context, deps.longTerm),
    ...createRegisterActivities(deps, context),
    ...createTransportActivities(deps, context),
    ...createReceiptActivities(deps, context),
  };
}

export type ExchangeActivities = ReturnType<typeof createExchangeActivities>;
