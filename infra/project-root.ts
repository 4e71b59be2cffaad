import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The checkout's root (the directory holding package.json), found by walking up: code runs both from the source
 * tree (infra/) and from the compiled copy one level deeper (dist/infra/), so a fixed `'..'` would be wrong in one.
 */
export function projectRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}
