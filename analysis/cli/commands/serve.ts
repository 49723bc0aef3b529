/**
 * `vlcache serve [--port N]`: browser mode. Builds the renderer on first use, then serves it and the
 * Engine API on 127.0.0.1 and prints the URL with this launch's token.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { appRoot } from '../../engine/appRoot';
import { analysisBackend } from '../../engine/analysisBackendDefault';
import { Engine } from '../../engine/engine';
import { serve } from '../../server/server';
import { parsePort, UsageError } from '../args';

export function rendererRoot(): string {
  return process.env.VLCACHE_RENDERER_DIR
    ? resolve(process.env.VLCACHE_RENDERER_DIR)
    : join(appRoot(), 'out', 'renderer');
}

function ensureRendererBuilt(root: string): void {
  if (existsSync(join(root, 'index.html'))) return;
  process.stderr.write('building the renderer (first run) ...\n');
  const r = spawnSync(
    process.execPath,
    [join(appRoot(), 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: appRoot(),
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  if (r.status !== 0 || !existsSync(join(root, 'index.html'))) {
    throw new Error(`could not build the renderer into ${root}; run "npm run build" and look at its output`);
  }
}

export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { port: { type: 'string' }, help: { type: 'boolean' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write('usage: vlcache serve [--port N]   (N = 0 picks a free port; default 8765)\n');
    return 0;
  }
  const port = parsePort(values.port, 8765);
  const root = rendererRoot();
  ensureRendererBuilt(root);
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  const engine = new Engine({
    emit: (event, payload) => server?.broadcast({ event, payload }),
    analysis: analysisBackend(),
  });
  try {
    server = await serve({ engine, root, port });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(`port ${port} is in use; pick another with --port`);
    throw e;
  }
  const running = server;
  process.stdout.write(`VL-Cache Studio (browser mode) on 127.0.0.1 only. Open:\n  ${running.url}\n`);
  await new Promise<void>((done) => {
    const stop = () => {
      running.close().then(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
