import { spawnSync } from 'node:child_process';

/** Whether PostgreSQL answers at 127.0.0.1:5432 as `postgres` without a password. */
export function localPostgresqlAnswers(): boolean {
  const probe = spawnSync(
    'psql',
    ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atc', 'select 1'],
    {
      timeout: 5_000,
      encoding: 'utf8',
    },
  );
  return probe.status === 0 && probe.stdout.trim() === '1';
}

/** Runs one SQL statement on the local PostgreSQL's `postgres` database; returns whether it succeeded. */
function psql(sql: string): { ok: boolean; stderr: string } {
  const r = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-Atc', sql], {
    timeout: 30_000,
    encoding: 'utf8',
  });
  return { ok: r.status === 0, stderr: r.stderr ?? '' };
}

/** Creates PostgreSQL database `name` unless it exists, and returns FerretDB's URL for it. */
export function ensurePostgresqlDatabase(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad PostgreSQL database name ${name}`);
  const created = psql(`CREATE DATABASE ${name}`);
  if (!created.ok && !created.stderr.includes('already exists'))
    throw new Error(`PostgreSQL: cannot create database ${name}: ${created.stderr.trim()}`);
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** Drops a PostgreSQL database made by ensurePostgresqlDatabase (a chaos run's own). */
export function dropPostgresqlDatabase(name: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad PostgreSQL database name ${name}`);
  psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
