import { useEffect } from 'react';
import { keyOutcome, SHORTCUT_HELP } from './app/shortcuts';
import { actions, studio, useStudio } from './stores/store';
import { AnalysisView } from './views/AnalysisView';
import { EvaluateView } from './views/evaluate/EvaluateView';
import { RunPanel } from './views/run/RunPanel';
import { SessionPanel } from './views/session/SessionPanel';
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

function isField(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el?.tagName) return false;
  if (el.isContentEditable) return true;
  if (el.tagName === 'TEXTAREA' || el.tagName === 'SELECT') return true;
  if (el.tagName !== 'INPUT') return false;
  // Checkboxes, radios and sliders keep the global keys (a slider handles arrows itself).
  const type = (el as HTMLInputElement).type;
  return !['checkbox', 'radio', 'button'].includes(type);
}

function Selection() {
  const layer = useStudio((s) => s.params.layer);
  const head = useStudio((s) => s.params.head);
  const q = useStudio((s) => s.params.queryToken);
  const policy = useStudio((s) => s.derived?.policies[0]?.label ?? s.params.policies[0] ?? '—');
  const dims = useStudio((s) => s.recording?.dims);
  if (!dims) return null;
  return (
    <span className="selection" data-testid="selection">
      layer <b>{layer}</b>/{dims.L - 1} · head <b>{head === 'mean' ? 'mean' : head}</b>
      {dims.Hkv < dims.H && head !== 'mean' ? ` (KV ${Math.floor(head / (dims.H / dims.Hkv))})` : ''} · query{' '}
      <b>{q ?? '—'}</b> · policy <b>{policy}</b>
    </span>
  );
}

export function App() {
  const version = useStudio((s) => s.version);
  const engine = useStudio((s) => s.engine);
  const canUndo = useStudio((s) => s.cursor > 0);
  const canRedo = useStudio((s) => s.cursor < s.log.length);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const s = studio.store.getState();
      const d = s.recording?.dims;
      const out = keyOutcome(
        {
          key: e.key,
          ctrl: e.ctrlKey,
          meta: e.metaKey,
          shift: e.shiftKey,
          alt: e.altKey,
          inField: isField(e.target),
        },
        s.params,
        d ? { L: d.L, H: d.H, n: d.m + d.G } : null,
      );
      if (!out) return;
      // Arrow keys on a slider move the slider, not the selection.
      if (
        (e.key === 'ArrowLeft' || e.key === 'ArrowRight') &&
        (e.target as HTMLInputElement)?.type === 'range'
      )
        return;
      e.preventDefault();
      if (out.kind === 'undo') actions.undo();
      else if (out.kind === 'redo') actions.redo();
      else actions.dispatch({ type: 'setParams', patch: out.patch });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const [strip, ...grid] = VIEWS;
  return (
    <div className="app">
      <header className="app-header">
        <h1>VL-Cache Studio</h1>
        <span className="engine-state" data-testid="engine-state">
          {engine.state === 'connected' ? `engine connected (${engine.transport})` : engine.state}
          {version ? ` · v${version.app} · onnxruntime ${version.onnxruntime}` : ''}
        </span>
        <div className="spacer" />
        <Selection />
        <button
          type="button"
          onClick={actions.undo}
          disabled={!canUndo}
          title="Undo (Ctrl+Z)"
          data-testid="undo"
        >
          Undo
        </button>
        <button
          type="button"
          onClick={actions.redo}
          disabled={!canRedo}
          title="Redo (Ctrl+Shift+Z)"
          data-testid="redo"
        >
          Redo
        </button>
        <span className="shortcuts" title={SHORTCUT_HELP.map(([k, v]) => `${k}: ${v}`).join('\n')}>
          ⌨
        </span>
      </header>
      <EngineBanner />
      <main className="layout">
        <aside className="sidebar">
          <RunPanel />
          <SessionPanel />
        </aside>
        <div className="views">
          <div className="strip-row">
            <AnalysisView view={strip} />
          </div>
          <div className="view-grid">
            {grid.map((v) => (
              <AnalysisView key={v.id} view={v} />
            ))}
          </div>
          <EvaluateView />
        </div>
      </main>
    </div>
  );
}
