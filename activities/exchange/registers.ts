import { registerId } from '../../store/register-store';
import {
  exchangeContext,
  permanentAsFailure,
  type ExchangeActivityDeps,
  type ExchangeContext,
} from './shared';

/** Numbering activities: the agency's outgoing and incoming registers. */
export function createRegisterActivities(
  deps: ExchangeActivityDeps,
  { registers }: ExchangeContext = exchangeContext(deps),
) {
  return {
    /** Gives the document its number from the agency's outgoing register (idempotent by document key). */
    async assignOutgoingNumber(input: {
      agency: string;
      year: number;
      documentKey: string;
    }): Promise<number> {
      const entry = await registers.assign(
        registerId(input.agency, 'outgoing', input.year),
        input.documentKey,
        deps.clock(),
      );
      return entry.number;
    },

    /** Registers an incoming document: the clerk's number when given (must be free), else the next one. */
    async assignIncomingNumber(input: {
      agency: string;
      year: number;
      documentKey: string;
      requested?: number;
    }): Promise<number> {
      return permanentAsFailure(async () => {
        const register = registerId(input.agency, 'incoming', input.year);
        const entry =
          input.requested === undefined
            ? await registers.assign(register, input.documentKey, deps.clock())
            : await registers.claim(register, input.documentKey, input.requested, deps.clock());
        return entry.number;
      });
    },
  };
}
