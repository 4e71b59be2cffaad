export const EXIT_OK = 0;
/** The input was readable but is not valid (bad chain, bad signature, unsigned PDF). */
export const EXIT_INVALID = 1;
/** Bad usage or unreadable input. */
export const EXIT_USAGE = 2;

/** A usage or input error that the CLI reports on stderr and maps to exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
