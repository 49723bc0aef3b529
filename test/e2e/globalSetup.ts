/**
 * Starts `vlcache serve --port 0` with a user models folder holding one valid fixture package and
 * one broken one, waits for the URL it prints, and hands it to the tests through the environment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFixtureModel } from '../helpers/fixtureModel';

export default async function globalSetup() {
  const repo = resolve(import.meta.dirname, '../..');
  const models = mkdtempSync(join(tmpdir(), 'vlc-e2e-models-'));
  writeFixtureModel(join(models, 'fixture'));
  const broken = writeFixtureModel(join(models, 'broken'), (m) => {
    m.name = 'broken-vlm';
  });
  unlinkSync(join(broken, 'decoder.onnx'));
  // Eval sweeps started in the UI keep their journals here, so every run starts from nothing.
  const evals = mkdtempSync(join(tmpdir(), 'vlc-e2e-evals-'));

  const child: ChildProcess = spawn(
    process.execPath,
    [join(repo, 'bin', 'vlcache.mjs'), 'serve', '--port', '0'],
    {
      cwd: repo,
      env: { ...process.env, VLCACHE_MODELS: models, VLCACHE_EVAL_DIR: evals },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`vlcache serve printed no URL in 60 s: ${out}`)), 60_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/);
      if (m) {
        clearTimeout(timer);
        ok(m[0]);
      }
    });
    child.once('exit', (code) => fail(new Error(`vlcache serve exited with ${code}: ${out}`)));
  });
  process.env.VLCACHE_E2E_URL = url;
  return async () => {
    child.kill('SIGTERM');
    rmSync(models, { recursive: true, force: true });
    rmSync(evals, { recursive: true, force: true });
  };
}
