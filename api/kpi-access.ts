import { KpiService } from '../kpi/service';
import { LienthongError } from '../schemas/errors';
import type { Principal } from '../schemas/identity';
import type { Scope } from '../schemas/kpi';
import { readableAgencies } from '../store/identity-admin';
import { KpiStore } from '../store/kpi-store';
import type { AppDeps } from './deps';

// Who may see which KPIs, and the KPI service over the app's stores: shared by the KPI routes and the yearly report
// (route plugins do not import each other).

/** Leadership and the province administrator see the province; everyone else sees their own agency. */
export function seesProvince(p: Principal): boolean {
  return p.roles.includes('leadership') || p.roles.includes('province_admin');
}

/**
 * The scope a caller may see: the province, or one agency (a province viewer drilling down, or an agency's own
 * user). @throws LienthongError FORBIDDEN when an agency user asks for another agency.
 */
export function scopeFor(
  principal: Principal,
  requested?: string,
  readable: readonly string[] = [principal.agency],
): Scope {
  if (seesProvince(principal))
    return requested ? { kind: 'agency', agency: requested } : { kind: 'province' };
  if (requested && !readable.includes(requested))
    throw new LienthongError('FORBIDDEN', 'an agency’s users see only their own agency');
  return { kind: 'agency', agency: requested ?? principal.agency };
}

/**
 * {@link scopeFor} where an agency's users may also name an agency merged into theirs (its KPIs stay readable
 * under the successor).
 */
export async function readableScopeFor(
  deps: AppDeps,
  principal: Principal,
  requested?: string,
): Promise<Scope> {
  const lookup = requested && requested !== principal.agency && !seesProvince(principal) && deps.db;
  return scopeFor(
    principal,
    requested,
    lookup ? await readableAgencies(deps.db!, principal.agency) : undefined,
  );
}

/** Service over the app's stores; shared with the yearly report. */
export function kpiServiceFor(deps: AppDeps): { service: KpiService; store: KpiStore } {
  const store = new KpiStore(deps.db!);
  const service = new KpiService({ kpis: store, identity: deps.identity, pki: deps.pki, clock: deps.clock });
  return { service, store };
}
