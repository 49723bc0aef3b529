import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectEngine } from './engine/connect';
import { setEngine } from './engine/engineHolder';
import { actions, studio } from './stores/store';
import { connectDerived, setActiveBridge } from './worker/derivedBridge';
import { WorkerClient, type WorkerPort } from './worker/workerClient';
import { startAutosave } from './session/sessionActions';
import './styles.css';

const set = studio.store.setState;

/** Starts the analysis worker and keeps the derived slice in step with params. */
function startWorker() {
  const worker = new Worker(new URL('./worker/analysisWorker.ts', import.meta.url), { type: 'module' });
  const client = new WorkerClient(worker as unknown as WorkerPort);
  setActiveBridge(connectDerived(studio.store, client, (a) => actions.dispatch(a)));
}

/** Connects to the engine and loads what the Run panel needs; failures become visible state. */
async function boot() {
  startWorker();
  try {
    const engine = await connectEngine();
    setEngine(engine);
    set({ engine: { state: 'connected', transport: engine.transport } });
    engine.onStatus((s) => {
      if (s.state === 'lost') set({ engine: { state: 'lost', reason: s.reason } });
      if (s.state === 'restarted') set({ engineNotice: s.reason });
    });
    const [version, providers, models, samples] = await Promise.all([
      engine.api.version({}),
      engine.api.listProviders({}),
      engine.api.listModels({}),
      engine.api.listSamples({}).catch(() => []),
    ]);
    set({ version, providers, models, samples });
  } catch (e) {
    set({ engine: { state: 'failed', reason: (e as Error).message } });
  }
}

startAutosave();
createRoot(document.getElementById('root')!).render(<App />);
boot();
