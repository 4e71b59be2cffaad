import pino, { type DestinationStream, type Logger } from 'pino';
import { formatLogLine } from './log-format';

/** Paths redacted from every log line: secrets and key material never reach the logs. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'passphrase',
  '*.passphrase',
  'privateKey',
  '*.privateKey',
  'token',
  '*.token',
  'req.headers.authorization',
  'headers.authorization',
  'pdfBase64',
  '*.pdfBase64',
];

export interface LoggerOptions {
  /**
   * `pretty`: one readable line per event (time, level, message, key fields); `json`: pino's JSON lines, for
   * log collectors. Default: pretty when stdout is a terminal, JSON otherwise.
   */
  format?: 'pretty' | 'json';
  /** Where lines go (default stdout); tests pass their own. */
  output?: { write(text: string): unknown; isTTY?: boolean };
}

type Output = NonNullable<LoggerOptions['output']>;

/** A pino destination over `output`: each JSON line as it is, or as a readable one (synchronously, in order). */
function destination(output: Output, pretty: boolean): DestinationStream {
  const colour = output.isTTY === true;
  return {
    write: (line: string) => void output.write(pretty ? formatLogLine(line, { colour }) : line),
  };
}

/** Structured logger (pino) used by every process: JSON, or one readable line per event on a terminal. */
export function createLogger(level: string, name: string, options: LoggerOptions = {}): Logger {
  const output = options.output ?? process.stdout;
  const format = options.format ?? (output.isTTY === true ? 'pretty' : 'json');
  const settings = { level, name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  // JSON to stdout keeps pino's own fast destination.
  if (format === 'json' && !options.output) return pino(settings);
  return pino(settings, destination(output, format === 'pretty'));
}
export type { Logger };
