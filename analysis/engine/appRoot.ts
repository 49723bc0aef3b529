/**
 * The app's root folder (where package.json and assets/ live), found by walking up from this file, so
 * the same code works from the source tree (tsx), from the bundled Electron main (out/main) and from
 * a packaged app.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

export function appRoot(): string {
  if (cached) return cached;
  let dir = import.meta.dirname;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (
      existsSync(pkg) &&
      (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'vl-cache-studio'
    )
      return (cached = dir);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the app root above ${import.meta.dirname}`);
    dir = up;
  }
}

export function appVersion(): string {
  return (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
