import { createRoot } from 'react-dom/client';
import { App } from './App';
import { connectEngine } from './engine/connect';
import { studio } from './stores/store';
import './styles.css';

const set = studio.store.setState;

/** Connects to the engine and loads what the Run panel needs; failures become visible state. */
async function boot() {
  try {
    const engine = await connectEngine();
    set({ engine: { state: 'connected', transport: engine.transport } });
    engine.onStatus((s) => {
      if (s.state === 'lost') set({ engine: { state: 'lost', reason: s.reason } });
      if (s.state === 'restarted') set({ engineNotice: s.reason });
    });
    const [version, providers, models] = await Promise.all([
      engine.api.version({}),
      engine.api.listProviders({}),
      engine.api.listModels({}),
    ]);
    set({ version, providers, models });
  } catch (e) {
    set({ engine: { state: 'failed', reason: (e as Error).message } });
  }
}

createRoot(document.getElementById('root')!).render(<App />);
boot();
