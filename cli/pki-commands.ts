import type { Command } from 'commander';

export function registerPkiCommands(program: Command): void {
  program.command('pki').description('certificate authority and path validation');
}
