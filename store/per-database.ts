import type { Db } from 'mongodb';

/**
 * A getter for a value shared by every store object of one database in this process (locks, caches, what was
 * written), created on first use; another database handle (a leaf node's, a test's) gets its own.
 */
export function perDatabase<T>(create: () => T): (db: Db) => T {
  const values = new WeakMap<Db, T>();
  return (db) => {
    let value = values.get(db);
    if (value === undefined) values.set(db, (value = create()));
    return value;
  };
}
