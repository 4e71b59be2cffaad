import { createArchiveActivities, type ArchiveActivityDeps } from './archive';
import { createEvidenceActivities, type EvidenceActivityDeps } from './evidence';
import { createExchangeActivities, type ExchangeActivityDeps } from './exchange';
import { createPersonnelActivities, type PersonnelActivityDeps } from './personnel';
import { createPkiActivities, type PkiActivityDeps } from './pki';
import { createReportActivities, type ReportActivityDeps } from './reports';
import { createSmokeActivities, type SmokeDeps } from './smoke';

export type ActivityDeps = SmokeDeps &
  PkiActivityDeps &
  ExchangeActivityDeps &
  PersonnelActivityDeps &
  ReportActivityDeps &
  EvidenceActivityDeps &
  ArchiveActivityDeps;

/** Every activity the lienthong worker serves, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
    ...createPkiActivities(deps),
    ...createExchangeActivities(deps),
    ...createPersonnelActivities(deps),
    ...createReportActivities(deps),
    ...createEvidenceActivities(deps),
    ...createArchiveActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
