import { MissingRoute } from './demo-api';
import { username, type DemoRun, type Role } from './demo-run';
import { UsageError } from './exit-codes';

/**
 * Who takes part in a demo run. The API allows 50 logins per address in 5 minutes by default, and each agency
 * taking part brings four users, so a run uses a cast of agencies (12 by default: 48 logins and the
 * administrator's) drawn from every level of the directory, rather than all of them.
 */

export interface Agency {
  code: string;
  name: string;
  level: string;
  active?: boolean;
}

/** The directory, and the agencies that take part in this run (each sends and receives). */
export interface DemoParties {
  agencies: Agency[];
  cast: Agency[];
  /** The cast's levels in directory order (province first): documents are sent by each level in turn. */
  levels: string[];
}

/** The roles a sending agency needs, each as an active demo user. */
export const SENDER_ROLES: readonly Role[] = ['drafter', 'approver', 'signer', 'clerk'];

/**
 * Up to `size` agencies, taken from each level in turn (a random one of that level each time), so that every level
 * of `usable` is in the cast whenever `size` allows.
 */
export function chooseCast(usable: readonly Agency[], size: number, random: () => number): Agency[] {
  const byLevel = new Map<string, Agency[]>();
  for (const agency of usable) byLevel.set(agency.level, [...(byLevel.get(agency.level) ?? []), agency]);
  const cast: Agency[] = [];
  while (cast.length < size && [...byLevel.values()].some((left) => left.length > 0)) {
    for (const left of byLevel.values()) {
      if (cast.length >= size || left.length === 0) continue;
      cast.push(left.splice(Math.floor(random() * left.length), 1)[0]!);
    }
  }
  return cast;
}

/** Usernames that can sign in and act: active, with their role, no password change pending. */
async function activeUsers(run: DemoRun): Promise<Set<string> | undefined> {
  try {
    const list = await run.api.must('admin', 'GET', '/admin/users?active=true');
    const users = list.items as { username: string; roles: string[]; passwordChangeRequired?: boolean }[];
    // A demo user is named after its role: `signer.<code>` still counts only while it holds `signer`.
    const acting = users.filter(
      (u) => !u.passwordChangeRequired && u.roles.includes(u.username.split('.')[0]!),
    );
    return new Set(acting.map((u) => u.username));
  } catch (err) {
    // An API without the user list: every demo user is taken as able to sign in.
    if (err instanceof MissingRoute) return undefined;
    throw err;
  }
}

/** The directory and the users, read as the province administrator, and the cast of this run. */
export async function readParties(run: DemoRun): Promise<DemoParties> {
  const { options, api, summary } = run;
  let agencies: Agency[];
  try {
    agencies = ((await api.must('admin', 'GET', '/agencies')).items as Agency[]).filter(
      (a) => a.active !== false,
    );
  } catch (err) {
    if (err instanceof TypeError)
      throw new UsageError(`cannot reach the lienthong API at ${options.api} (${String(err.cause ?? err)})`);
    throw err;
  }
  summary.agencies = agencies.length;
  if (agencies.length < 2) throw new UsageError('the API lists fewer than two agencies: nothing to exchange');

  // A leaver from an earlier run's leadership change can no longer sign in: that agency cannot send.
  const active = await activeUsers(run);
  const usable = agencies.filter((a) =>
    SENDER_ROLES.every((role) => !active || active.has(username(role, a.code))),
  );
  const cast = chooseCast(usable, options.agencies, run.random);
  if (cast.length < 2)
    throw new UsageError('fewer than two agencies have demo users that can sign in (password "demo")');
  summary.participants = cast.map((a) => ({ code: a.code, level: a.level }));
  const levels = [...new Set(agencies.map((a) => a.level))].filter((l) => cast.some((a) => a.level === l));
  return { agencies, cast, levels };
}
