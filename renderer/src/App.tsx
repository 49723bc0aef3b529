import { useEffect } from 'react';
import { actions, useStudio } from './stores/store';
import { RunPanel } from './views/RunPanel';
import { AnalysisView } from './views/AnalysisView';
import { VIEWS } from './views/viewCatalog';

function EngineBanner() {
  const engine = useStudio((s) => s.engine);
  const notice = useStudio((s) => s.engineNotice);
  if (engine.state === 'failed' || engine.state === 'lost') {
    return (
      <div className="banner error" role="alert" data-testid="engine-banner">
        Engine unavailable: {engine.reason}
      </div>
    );
  }
  if (notice) {
    return (
      <div className="banner warn" role="alert" data-testid="engine-banner">
        {notice}
      </div>
    );
  }
  return null;
}

export function App() {
  const version = useStudio((s) => s.version);
  const engine = useStudio((s) => s.engine);
  const canUndo = useStudio((s) => s.cursor > 0);
  const canRedo = useStudio((s) => s.cursor < s.log.length);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== 'z') return;
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'TEXTAREA' || target.tagName === 'INPUT')) return;
      e.preventDefault();
      if (e.shiftKey) actions.redo();
      else actions.undo();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <div className="app">
      <header className="app-header">
        <h1>VL-Cache Studio</h1>
        <span className="engine-state" data-testid="engine-state">
          {engine.state === 'connected' ? `engine connected (${engine.transport})` : engine.state}
          {version ? ` · v${version.app} · onnxruntime ${version.onnxruntime}` : ''}
        </span>
        <div className="spacer" />
        <button type="button" onClick={actions.undo} disabled={!canUndo} title="Undo (Ctrl+Z)">
          Undo
        </button>
        <button type="button" onClick={actions.redo} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)">
          Redo
        </button>
      </header>
      <EngineBanner />
      <main className="layout">
        <aside className="sidebar">
          <RunPanel />
        </aside>
        <div className="views">
          {VIEWS.map((v) => (
            <AnalysisView key={v.id} view={v} />
          ))}
        </div>
      </main>
    </div>
  );
}
