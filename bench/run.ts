/**
 * `npm run bench [-- NAME]`: runs bench/NAME.ts, or every benchmark when no name is given. Each
 * benchmark measures its own baseline in the same run and ends with one `NAME: …` line.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = import.meta.dirname;
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();
const [name, ...rest] = process.argv.slice(2);
const chosen = name ? [name] : all;
let failed = 0;
for (const b of chosen) {
  const file = join(dir, `${b}.ts`);
  if (!existsSync(file)) {
    console.error(`unknown benchmark: ${b} (have: ${all.join(', ')})`);
    process.exit(1);
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...rest], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exitCode = failed ? 1 : 0;
