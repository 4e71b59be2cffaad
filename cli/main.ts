import { Command, CommanderError } from 'commander';
import { registerPkiCommands } from './pki-commands';
import { registerPdfCommands } from './pdf-commands';
import { registerDemoCommand } from './demo';
import { EXIT_USAGE } from './exit-codes';

/** Entry point of the `lienthong` command. Exit codes: 0 ok/valid, 1 invalid, 2 bad usage or unreadable input. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('lienthong')
    .description('lienthong: signed document exchange between Vietnamese state agencies')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerPkiCommands(program);
  registerPdfCommands(program);
  registerDemoCommand(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    process.stderr.write(`lienthong: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
}

/** Runs the CLI as a process: sets the exit code, never throws. */
export function run(argv: string[] = process.argv): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`lienthong: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = EXIT_USAGE;
    },
  );
}
