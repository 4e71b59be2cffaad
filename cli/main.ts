import { Command, CommanderError } from 'commander';
import { registerDemoCommand } from './demo';
import { EXIT_USAGE } from './exit-codes';
import type * as EdxmlCommands from './edxml-commands';
import type * as EvidenceCommands from './evidence-commands';
import type * as PdfCommands from './pdf-commands';
import type * as PkiCommands from './pki-commands';

/**
 * Command groups whose modules load only when the command line names them: `--help` and `pdf sign` should not pay
 * for pkijs, MongoDB or the rest of the other groups (module loading dominates a short CLI run).
 */
// require, not import(): TypeScript's node16 mode wants import() paths ending in .js, which jest would have to map
// back to .ts; the swc build, tsx and jest all compile to require anyway.
/* eslint-disable @typescript-eslint/no-require-imports */
const GROUPS = {
  pki: {
    description: 'certificate authority and path validation',
    register: (group: Command) =>
      (require('./pki-commands') as typeof PkiCommands).registerPkiCommands(group),
  },
  pdf: {
    description: 'PAdES signing and verification',
    register: (group: Command) =>
      (require('./pdf-commands') as typeof PdfCommands).registerPdfCommands(group),
  },
  edxml: {
    description: 'edXML envelopes and statuses (QCVN 102:2016): parse, build, verify',
    register: (group: Command) =>
      (require('./edxml-commands') as typeof EdxmlCommands).registerEdxmlCommands(group),
  },
  evidence: {
    description: 'evidence bundles of an exchange: verify offline',
    register: (group: Command) =>
      (require('./evidence-commands') as typeof EvidenceCommands).registerEvidenceCommands(group),
  },
} as const;
/* eslint-enable @typescript-eslint/no-require-imports */
type GroupName = keyof typeof GROUPS;

/** The group the command line asks for (`lienthong pdf sign ...`, `lienthong help pdf`), if any. */
function requestedGroup(args: string[]): GroupName | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return name !== undefined && Object.hasOwn(GROUPS, name) ? (name as GroupName) : undefined;
}

/** Entry point of the `lienthong` command. Exit codes: 0 ok/valid, 1 invalid, 2 bad usage or unreadable input. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('lienthong')
    .description('lienthong: signed document exchange between Vietnamese state agencies')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    const wanted = requestedGroup(argv.slice(2));
    for (const [name, group] of Object.entries(GROUPS)) {
      const command = program.command(name).description(group.description);
      // The other groups stay empty: their name and description are all the top-level help shows.
      if (name === wanted) group.register(command);
    }
    registerDemoCommand(program);
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
