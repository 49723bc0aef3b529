#!/usr/bin/env node
// `npm test`: every suite in order — typecheck, lint, the layering check, unit + integration
// (Vitest), the app build, end-to-end (Playwright + Debian Chromium). Prints one summary line per
// suite and a final plain `N passed, N failed` that sums them all; exits non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const results = [];
mkdirSync(join(root, 'test-results'), { recursive: true });

function run(label, cmd, args, env = {}) {
  const t0 = Date.now();
  console.log(`\n=== ${label}: ${[cmd, ...args].map((a) => a.replace(root + '/', '')).join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  return { ok: r.status === 0, secs };
}

function step(label, cmd, args) {
  const { ok, secs } = run(label, cmd, args);
  results.push({ label, passed: ok ? 1 : 0, failed: ok ? 0 : 1, secs });
}

function counted(label, cmd, args, reportPath, read) {
  rmSync(reportPath, { force: true });
  const { ok, secs } = run(label, cmd, args);
  let passed = 0;
  let failed = 0;
  if (existsSync(reportPath)) ({ passed, failed } = read(JSON.parse(readFileSync(reportPath, 'utf8'))));
  // A runner that crashed before writing its report still counts as a failure.
  if (!ok && failed === 0) failed = 1;
  results.push({ label, passed, failed, secs });
}

const only = process.argv[2];
if (!only || only === 'static') {
  step('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
  step('lint', bin('biome'), ['check', '.']);
  step('layering', process.execPath, ['--import', 'tsx', 'scripts/checkImports.ts']);
}
if (!only || only === 'unit') {
  const report = join(root, 'test-results', 'vitest.json');
  counted(
    'unit+integration',
    bin('vitest'),
    ['run', '--reporter=default', '--reporter=json', `--outputFile=${report}`],
    report,
    (j) => ({
      passed: j.numPassedTests,
      failed: j.numFailedTests,
    }),
  );
}
if (!only || only === 'e2e') {
  step('build', bin('electron-vite'), ['build']);
  const report = join(root, 'test-results', 'e2e-report.json');
  counted('e2e', bin('playwright'), ['test'], report, (j) => ({
    passed: j.stats.expected + j.stats.flaky,
    failed: j.stats.unexpected,
  }));
}

console.log('\n=== summary');
for (const r of results)
  console.log(`${r.label.padEnd(18)} ${r.passed} passed, ${r.failed} failed (${r.secs} s)`);
const passed = results.reduce((a, r) => a + r.passed, 0);
const failed = results.reduce((a, r) => a + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
