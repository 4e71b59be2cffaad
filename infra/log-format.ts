/**
 * Turns one pino JSON line into one readable terminal line:
 *
 *   14:03:07.215 INFO  api: request completed  POST /api/v1/documents → 201 38ms reqId=3b31d7ea…
 *
 * Used only when stdout is a terminal; pipes and files keep pino's JSON (log collectors parse it).
 */

export interface LogFormatOptions {
  /** ANSI colours for the level (and dim keys). */
  colour: boolean;
}

const LEVELS: Record<number, { label: string; colour: number }> = {
  10: { label: 'TRACE', colour: 90 },
  20: { label: 'DEBUG', colour: 36 },
  30: { label: 'INFO', colour: 32 },
  40: { label: 'WARN', colour: 33 },
  50: { label: 'ERROR', colour: 31 },
  60: { label: 'FATAL', colour: 35 },
};

/** Fields shown in their own place, or not at all (the same on every line of a process). */
const PLACED = new Set([
  'level',
  'time',
  'name',
  'msg',
  'pid',
  'hostname',
  'v',
  'req',
  'res',
  'responseTime',
  'err',
]);
/** Longest value shown for one field; the JSON line (pipe the process) has the whole of it. */
const MAX_VALUE = 120;

const paint = (on: boolean, code: number, text: string) => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

/** Local wall-clock time with milliseconds. */
function clock(time: unknown): string {
  const d = new Date(typeof time === 'number' || typeof time === 'string' ? time : Date.now());
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** The message is shown whole, on one line. */
const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

function shorten(text: string): string {
  const line = oneLine(text);
  return line.length > MAX_VALUE ? `${line.slice(0, MAX_VALUE - 1)}…` : line;
}

/** A field's value: plain when it is a simple word, quoted when it has spaces, compact JSON for objects. */
function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? shorten(v) : JSON.stringify(shorten(v));
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return shorten(JSON.stringify(v) ?? String(v));
}

/** Fastify's request fields, as "GET /path → 200 12ms". */
function request(entry: Record<string, unknown>): string {
  const req = entry.req as { method?: string; url?: string } | undefined;
  const res = entry.res as { statusCode?: number } | undefined;
  const parts: string[] = [];
  if (req?.method || req?.url) parts.push(`${req.method ?? ''} ${req.url ?? ''}`.trim());
  if (res?.statusCode !== undefined) parts.push(`→ ${res.statusCode}`);
  if (typeof entry.responseTime === 'number') parts.push(`${Math.round(entry.responseTime)}ms`);
  return parts.join(' ');
}

/** An error as "Type: message (at first frame)". */
function error(err: unknown): string {
  if (!err || typeof err !== 'object') return `err=${value(err)}`;
  const e = err as { type?: string; message?: string; stack?: string };
  const frame = e.stack
    ?.split('\n')
    .find((l) => l.trim().startsWith('at '))
    ?.trim();
  return `err=${value(`${e.type ?? 'Error'}: ${e.message ?? ''}${frame ? ` (${frame})` : ''}`)}`;
}

/**
 * One pino JSON line (with or without its newline) as one terminal line ending in a newline. A line that is not
 * JSON is passed through unchanged.
 */
export function formatLogLine(line: string, options: LogFormatOptions): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
    if (!entry || typeof entry !== 'object') throw new Error('not an object');
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { colour } = options;
  const level = LEVELS[entry.level as number] ?? {
    label: String(entry.level ?? '?').toUpperCase(),
    colour: 0,
  };
  const head = [
    paint(colour, 90, clock(entry.time)),
    paint(colour, level.colour, level.label.padEnd(5)),
    `${entry.name ? `${String(entry.name)}: ` : ''}${typeof entry.msg === 'string' ? oneLine(entry.msg) : ''}`,
  ].join(' ');
  const tail: string[] = [];
  const req = request(entry);
  if (req) tail.push(req);
  if (entry.err !== undefined) tail.push(error(entry.err));
  for (const [key, v] of Object.entries(entry)) {
    if (PLACED.has(key) || v === undefined) continue;
    tail.push(`${paint(colour, 2, `${key}=`)}${value(v)}`);
  }
  return `${head}${tail.length ? `  ${tail.join(' ')}` : ''}\n`;
}
