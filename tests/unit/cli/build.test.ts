import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../../..');
const node = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env, timeout: 120_000 });

describe('compiled build (bin/build.js into dist/)', () => {
  beforeAll(() => {
    // A no-op when dist/ is fresh (as after `npm ci`); compiles after source edits.
    const r = node(['bin/build.js']);
    expect(r.status).toBe(0);
  }, 180_000);

  it('produces the CLI entry point and bin/lienthong.js chooses it', () => {
    expect(existsSync(join(root, 'dist/cli/main.js'))).toBe(true);
    const { LIENTHONG_DEV: _, ...env } = process.env;
    const r = node(['-e', "process.stdout.write(require('./bin/runtime').resolveEntry('cli/main'))"], env);
    expect(r.stdout).toBe(join(root, 'dist/cli/main.js'));
    const dev = node(['-e', "process.stdout.write(require('./bin/runtime').resolveEntry('cli/main'))"], {
      ...env,
      LIENTHONG_DEV: '1',
    });
    expect(dev.stdout).toBe(join(root, 'cli/main.ts'));
    const help = node(['bin/lienthong.js', '--help'], env);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/pdf\s+PAdES signing/);
  });

  it('runs --help from dist/ without loading the heavy libraries', () => {
    const script = `
      process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));
      require('./dist/cli/main').run(['node', 'lienthong', '--help']);`;
    const r = node(['-e', script]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('pdf');
    const loaded = JSON.parse(r.stderr) as string[];
    expect(loaded.some((f) => f.includes('/tsx/'))).toBe(false);
    for (const heavy of ['fastify', 'mongodb', '@temporalio', 'pdf-lib', 'pkijs', '@nats-io'])
      expect(loaded.filter((f) => f.includes(`/node_modules/${heavy}`))).toEqual([]);
  });
});
