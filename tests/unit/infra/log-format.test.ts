import { formatLogLine } from '../../../infra/log-format';
import { createLogger } from '../../../infra/logger';

const TIME = /^\d{2}:\d{2}:\d{2}\.\d{3} /;

/** What a logger writes to an output that says it is (or is not) a terminal. */
function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { output: { isTTY, write: (text: string) => lines.push(text) }, lines };
}

describe('readable log lines', () => {
  it('shows time, level, process name, message and the other fields on one line', () => {
    const json = JSON.stringify({
      level: 30,
      time: Date.parse('2026-11-30T01:02:03.045Z'),
      pid: 1,
      hostname: 'vm',
      name: 'worker',
      msg: 'document issued',
      agency: 'Ủy ban nhân dân xã Tân Phú',
      recipients: 3,
    });
    const line = formatLogLine(json, { colour: false });
    expect(line).toMatch(TIME);
    expect(line).toContain(
      ' INFO  worker: document issued  agency="Ủy ban nhân dân xã Tân Phú" recipients=3\n',
    );
    expect(line).not.toContain('hostname');
    expect(line.split('\n')).toHaveLength(2);
  });

  it('shows a request as method, path, status and duration, and an error by its message', () => {
    const line = formatLogLine(
      JSON.stringify({
        level: 50,
        time: 0,
        msg: 'request errored',
        reqId: 'r-1',
        req: { method: 'POST', url: '/api/v1/documents', headers: { host: 'x' } },
        res: { statusCode: 503 },
        responseTime: 12.7,
        err: {
          type: 'MongoError',
          message: 'down\nfor good',
          stack: 'MongoError: down\n    at connect (mongo.ts:9:1)',
        },
      }),
      { colour: false },
    );
    expect(line).toContain(
      'ERROR request errored  POST /api/v1/documents → 503 13ms err="MongoError: down for good (at connect (mongo.ts:9:1))" reqId=r-1\n',
    );
  });

  it('colours the level only when asked, and shortens long values', () => {
    const json = JSON.stringify({ level: 40, time: 0, msg: 'slow', detail: 'x'.repeat(500) });
    expect(formatLogLine(json, { colour: true })).toContain('\u001b[33mWARN \u001b[0m');
    const plain = formatLogLine(json, { colour: false });
    expect(plain).not.toContain('\u001b[');
    expect(plain).toContain(`detail=${'x'.repeat(119)}…`);
    const message = `ready: ${'http://127.0.0.1:8080/api/v1 '.repeat(6)}`.trim();
    expect(formatLogLine(JSON.stringify({ level: 30, time: 0, msg: message }), { colour: false })).toContain(
      ` INFO  ${message}\n`,
    );
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('plain text', { colour: false })).toBe('plain text\n');
  });
});

describe('the process logger', () => {
  it('writes readable lines to a terminal, with secrets still redacted', () => {
    const { output, lines } = capture(true);
    createLogger('info', 'api', { output }).info({ username: 'admin', password: 'demo' }, 'login');
    expect(lines).toHaveLength(1);
    const plain = lines[0]!
      .split('\u001b')
      .map((part) => part.replace(/^\[\d+m/, ''))
      .join('');
    expect(plain).toMatch(TIME);
    expect(plain).toContain(' INFO  api: login  username=admin password=[redacted]\n');
    expect(lines[0]).not.toContain('demo');
  });

  it('keeps JSON when the output is not a terminal', () => {
    const { output, lines } = capture(false);
    createLogger('info', 'worker', { output }).warn({ agency: 'Tân Phú' }, 'late');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      name: 'worker',
      msg: 'late',
      agency: 'Tân Phú',
    });
  });

  it('follows an explicit format over the terminal check', () => {
    const { output, lines } = capture(true);
    createLogger('info', 'api', { output, format: 'json' }).info('ready');
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'ready' });
  });
});
