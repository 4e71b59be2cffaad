import pino, { type Logger } from 'pino';

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

/** Structured JSON logger (pino) used by every process. */
export function createLogger(level: string, name: string): Logger {
  return pino({ level, name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } });
}
export type { Logger };
