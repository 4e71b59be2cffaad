/** Why a command is refused; the code is the error type the API maps to HTTP (403, 409, 409). */
export type RefusalCode = 'FORBIDDEN' | 'WRONG_STATE' | 'CONFLICT';

export interface Refusal {
  code: RefusalCode;
  message: string;
}

export const refusal = (code: RefusalCode, message: string): Refusal => ({ code, message });

/** The first refusal of a list of guards run in order (later guards are not evaluated). */
export function firstRefusal(...guards: Array<() => Refusal | undefined>): Refusal | undefined {
  for (const guard of guards) {
    const r = guard();
    if (r) return r;
  }
  return undefined;
}
