import { createSmokeActivities, type SmokeDeps } from './smoke';

export type ActivityDeps = SmokeDeps;

/** Every activity the lienthong worker serves, built from its dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSmokeActivities(deps),
  };
}
export type Activities = ReturnType<typeof createActivities>;
