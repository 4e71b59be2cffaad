import type { Command } from 'commander';

export function registerPdfCommands(program: Command): void {
  program.command('pdf').description('PAdES signing and verification');
}
