/**
 * The esbuild bundles for the GPU machine (tools/device/bundle.mjs): built into an ignored folder of
 * the repo, they find the app root (assets), load the external native packages through their own
 * require, and the bundled eval sweep starts its workers from the bundled worker entry beside it
 * (sweep.ts: new URL('./evalWorkerEntry.mjs', import.meta.url)), not from the tsx entry in analysis/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../analysis/engine/appRoot';

const root = appRoot();
const outdir = join(root, '.vlcache-tmp', `device-bundle-${process.pid}`);
const node = (args: string[]) =>
  spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 120_000 });

beforeAll(() => {
  const r = spawnSync(process.execPath, [join(root, 'tools', 'device', 'bundle.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, VLC_BUNDLE_OUTDIR: outdir },
  });
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('device bundles', () => {
  it('builds the CLI, the eval worker entry and the benchmarks side by side', () => {
    for (const f of [
      'vlcache',
      'evalWorkerEntry',
      'bench-decode',
      'bench-eval',
      'bench-record',
      'bench-stats',
    ])
      expect(existsSync(join(outdir, `${f}.mjs`)), f).toBe(true);
  });

  it('the bundled CLI finds the bundled model', () => {
    const r = node([join(outdir, 'vlcache.mjs'), 'models', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('shapes-vlm');
  });

  it('the bundled eval sweep runs its items on the bundled worker', () => {
    const out = join(outdir, 'eval.json');
    const args = (o: string) => [
      join(outdir, 'vlcache.mjs'),
      'eval',
      '--limit',
      '1',
      '--workers',
      '1',
      '--policies',
      'h2o',
      '--budgets',
      '10',
      '--provider',
      'cpu',
      '--out',
      o,
    ];
    const r = node(args(out));
    expect(r.status, r.stderr).toBe(0);
    const results = JSON.parse(readFileSync(out, 'utf8')) as { items: unknown[] };
    expect(results.items).toHaveLength(1);
    // …and that worker is the one beside the bundle: without it the sweep cannot start.
    rmSync(join(outdir, 'evalWorkerEntry.mjs'));
    const again = node(args(join(outdir, 'eval2.json')));
    expect(again.status).not.toBe(0);
  });
});
