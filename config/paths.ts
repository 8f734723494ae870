// Locates files shipped with the project (proto/, web/), from sources or from dist/ alike.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const findRoot = (): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'proto', 'hindsight'))) {
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the project folder (with proto/hindsight) above this module');
    dir = parent;
  }
  return dir;
};

export const projectRoot = findRoot();
export const protoDir = path.join(projectRoot, 'proto');

/** This package's version, from package.json. */
export const packageVersion = (
  JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }
).version;
