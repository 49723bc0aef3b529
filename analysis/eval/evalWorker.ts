/**
 * An eval worker thread: its own Engine and model (loaded once), then items one at a time from the
 * sweep (see workerProtocol.ts). Started through evalWorkerEntry.mjs, which installs the TypeScript
 * loader in the thread.
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { analysisBackend } from '../engine/analysisBackendDefault';
import { Engine } from '../engine/engine';
import { serializeError, VlcacheError } from '../engine/errors';
import { setSessionThreads } from '../model/loadedModel';
import { evaluateItem } from './evalItem';
import type { FromWorker, ToWorker, WorkerInit } from './workerProtocol';

const port = parentPort;
if (!port) throw new Error('evalWorker.ts runs only as a worker thread');
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);
const fatal = (e: unknown) =>
  post({ type: 'fatal', error: { ...serializeError(e), stack: (e as Error)?.stack } });

let current: { line: number } | null = null;
const engine = new Engine({
  analysis: analysisBackend(),
  // The recording's own progress fills the first fifth of an item.
  emit: (event, payload) => {
    if (event === 'runProgress' && current)
      post({
        type: 'progress',
        line: current.line,
        fraction: 0.2 * (payload as { fraction: number }).fraction,
      });
  },
});
engine.allowModelDir(init.modelDir);
setSessionThreads(init.intraOpThreads);

let controller: AbortController | null = null;
let running: Promise<void> = Promise.resolve();

async function start(): Promise<void> {
  const model = await engine.model(init.modelDir, init.provider);
  const ortVersion = (createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string })
    .version;
  post({ type: 'ready', provider: model.provider, onnxruntime: ortVersion });
  port!.on('message', (m: ToWorker) => {
    if (m.type === 'item') running = runItem(m);
    else if (m.type === 'stop') void stop(model.release);
    else fatal(new Error(`unknown message ${(m as { type: unknown }).type}`));
  });
}

/**
 * Ends the thread by letting its event loop run dry, never while a model call is in flight (a thread
 * terminated inside onnxruntime aborts the process): cancel the item, wait for it, release the model.
 */
async function stop(release: () => Promise<void>): Promise<void> {
  controller?.abort();
  await running;
  await release().catch(() => undefined);
  port!.close();
}

async function runItem({ item }: Extract<ToWorker, { type: 'item' }>): Promise<void> {
  current = { line: item.line };
  controller = new AbortController();
  try {
    const result = await evaluateItem(
      {
        engine,
        modelDir: init.modelDir,
        provider: init.provider,
        settings: init.settings,
        signal: controller.signal,
        onProgress: (fraction) => post({ type: 'progress', line: item.line, fraction }),
      },
      item,
    );
    post({ type: 'result', result });
  } catch (e) {
    // A problem the user can fix in the eval set (an unreadable image, …) fails this item only.
    if (e instanceof VlcacheError && e.code !== 'internal')
      post({ type: 'itemFailed', line: item.line, error: serializeError(e) });
    else fatal(e);
  } finally {
    current = null;
    controller = null;
  }
}

start().catch(fatal);
