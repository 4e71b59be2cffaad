import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A command the tests run, and the Debian package that provides it. */
export interface SystemTool {
  command: string;
  debianPackage: string;
  /** What needs it, for the message a newcomer reads. */
  usedFor: string;
}

/**
 * The external programs `npm test` runs. Fonts are not here: the project ships its own (npm), so no fonts-*
 * package is required. docker-compose is not here either: only `.ci/run` checks the compose file with it.
 */
export const SYSTEM_TOOLS: readonly SystemTool[] = [
  { command: 'pdfsig', debianPackage: 'poppler-utils', usedFor: 'PDF signature interop' },
  { command: 'pdftotext', debianPackage: 'poppler-utils', usedFor: 'PDF text checks' },
  { command: 'pdftoppm', debianPackage: 'poppler-utils', usedFor: 'PDF rendering checks' },
  { command: 'qpdf', debianPackage: 'qpdf', usedFor: 'PDF structure checks' },
  { command: 'openssl', debianPackage: 'openssl', usedFor: 'CMS and certificate interop' },
  { command: 'certutil', debianPackage: 'libnss3-tools', usedFor: 'NSS certificate interop' },
  { command: 'pk12util', debianPackage: 'libnss3-tools', usedFor: 'PKCS#12 interop' },
  { command: 'gs', debianPackage: 'ghostscript', usedFor: 'PDFs written by another tool' },
  { command: 'chromium', debianPackage: 'chromium', usedFor: 'browser tests (playwright-core)' },
];

/** What the machine answers; injected so the decision is tested without touching the system. */
export interface SystemProbe {
  /** Whether `command` is an executable on PATH (what `command -v` answers). */
  has(command: string): boolean;
  /** Whether this process may install packages itself (root). */
  isRoot: boolean;
}

/** What the pretest step does about the system tools. */
export type SystemPlan =
  | { action: 'nothing' }
  | { action: 'install'; packages: string[]; missing: SystemTool[] }
  | { action: 'stop'; packages: string[]; missing: SystemTool[]; message: string };

/** The packages to install, in order, each once. */
function packagesFor(missing: readonly SystemTool[]): string[] {
  return [...new Set(missing.map((t) => t.debianPackage))];
}

/** The one command a newcomer runs to install `packages` on Debian/Ubuntu. */
export function installCommand(packages: readonly string[], asRoot = false): string {
  const sudo = asRoot ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages.join(' ')}`;
}

/**
 * Decides what to do: nothing when every tool is present; install as root with apt-get; otherwise stop with the
 * one command that installs what is missing (apt-get on Debian/Ubuntu; the package names elsewhere).
 */
export function planSystem(probe: SystemProbe, tools: readonly SystemTool[] = SYSTEM_TOOLS): SystemPlan {
  const missing = tools.filter((t) => !probe.has(t.command));
  if (missing.length === 0) return { action: 'nothing' };
  const packages = packagesFor(missing);
  const hasApt = probe.has('apt-get');
  if (hasApt && probe.isRoot) return { action: 'install', packages, missing };
  const listed = missing.map((t) => `  ${t.command} (${t.debianPackage}): ${t.usedFor}`).join('\n');
  const how = hasApt
    ? `Install them with:\n\n  ${installCommand(packages)}\n`
    : `Install them with your system's package manager (Debian names: ${packages.join(' ')}).\n`;
  return {
    action: 'stop',
    packages,
    missing,
    message: `The tests need system tools this machine lacks:\n${listed}\n\n${how}\nthen run npm test again.`,
  };
}

/** The real probe: PATH lookup (plus the sbin folders `command -v` sees as root) and the process's uid. */
export function machineProbe(env: NodeJS.ProcessEnv = process.env): SystemProbe {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean).concat(['/usr/sbin', '/sbin']);
  return {
    has(command) {
      return dirs.some((dir) => {
        try {
          accessSync(join(dir, command), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      });
    },
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  };
}
