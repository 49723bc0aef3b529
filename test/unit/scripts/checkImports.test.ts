import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLayerCheck } from '../../../scripts/checkImports';

const repo = resolve(import.meta.dirname, '../../..');
const tree = mkdtempSync(join(tmpdir(), 'vlc-layers-'));
afterAll(() => rmSync(tree, { recursive: true, force: true }));

function put(path: string, text: string) {
  mkdirSync(join(tree, path, '..'), { recursive: true });
  writeFileSync(join(tree, path), text);
}

describe('layering check', () => {
  it('passes on the repository itself', () => {
    expect(runLayerCheck(repo)).toEqual([]);
  }, 30_000);

  it('finds every planted violation, including ones reached transitively', () => {
    cpSync(join(repo, 'tsconfig.json'), join(tree, 'tsconfig.json'));
    put(
      'analysis/attention/a.ts',
      "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n",
    );
    put('analysis/policies/b.ts', "import { c } from '../util/c';\nexport const b = c;\n");
    put('analysis/util/c.ts', "import path from 'path';\nexport const c = path.sep;\n");
    put('analysis/policies/d.ts', "import { e } from '../model/e';\nexport const d = e + document.title;\n");
    put('analysis/model/e.ts', 'export const e = 1;\n');
    put('renderer/src/x.tsx', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n");
    put('renderer/src/y.ts', "import type { Stats } from 'node:fs';\nexport type Y = Stats;\n");
    const problems = runLayerCheck(tree);
    expect(problems).toEqual(
      expect.arrayContaining([
        'analysis/attention/a.ts: imports Node built-in "node:fs"',
        'analysis/policies/b.ts: imports Node built-in "path" (via analysis/policies/b.ts -> analysis/util/c.ts)',
        'analysis/policies/d.ts: imports Node-side module analysis/model/e.ts',
        'renderer/src/x.tsx: imports Electron',
      ]),
    );
    expect(problems.some((p) => p.startsWith('analysis/policies/d.ts:2: uses "document"'))).toBe(true);
    // type-only imports are erased and allowed
    expect(problems.some((p) => p.startsWith('renderer/src/y.ts'))).toBe(false);
  }, 30_000);
});
