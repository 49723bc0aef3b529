import { useState } from 'react';
import { EmptyState, Panel } from '../components/Panel';
import { useStudio } from '../stores/store';

/**
 * The Run panel: image, prompt, model, provider and max new tokens, from what the engine reports.
 * Invalid model packages are listed with every problem so the user can fix them.
 */
export function RunPanel() {
  const models = useStudio((s) => s.models);
  const providers = useStudio((s) => s.providers);
  const [model, setModel] = useState('');
  const [provider, setProvider] = useState('auto');
  const [prompt, setPrompt] = useState('');
  const [maxNew, setMaxNew] = useState(32);
  const valid = (models ?? []).filter((m) => m.ok);
  const invalid = (models ?? []).filter((m) => !m.ok);
  const chosen = model || valid[0]?.dir || '';

  return (
    <Panel
      id="run"
      title="Run"
      help="Run a vision-language model on an image and record every layer's queries and keys."
    >
      <label className="field">
        <span>Model</span>
        <select
          data-testid="model-select"
          value={chosen}
          onChange={(e) => setModel(e.target.value)}
          disabled={valid.length === 0}
        >
          {valid.map((m) => (
            <option key={m.dir} value={m.dir}>
              {m.name} ({m.source}
              {m.summary ? `, ${m.summary.layers} layers, ${m.summary.imageTokens} image tokens` : ''})
            </option>
          ))}
        </select>
      </label>
      {models === null && <EmptyState>Looking for model packages…</EmptyState>}
      {models !== null && valid.length === 0 && (
        <EmptyState>
          No valid model package found. The app looks in <code>assets/models/</code> and in your models folder
          (<code>~/.vlcache/models</code> or <code>$VLCACHE_MODELS</code>).
        </EmptyState>
      )}
      {invalid.length > 0 && (
        <details className="invalid-models" data-testid="invalid-models" open>
          <summary>{invalid.length} invalid model package(s)</summary>
          {invalid.map((m) => (
            <div key={m.dir} className="invalid-model">
              <strong>{m.name}</strong> <small>{m.dir}</small>
              <ul>
                {m.errors.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </div>
          ))}
        </details>
      )}
      <fieldset className="field" data-testid="providers">
        <legend>Execution provider</legend>
        <label>
          <input
            type="radio"
            name="provider"
            value="auto"
            checked={provider === 'auto'}
            onChange={() => setProvider('auto')}
          />{' '}
          auto (GPU if it works, else CPU)
        </label>
        {(providers ?? []).map((p) => (
          <label
            key={p.id}
            className={p.available ? 'provider ok' : 'provider unavailable'}
            data-provider={p.id}
            title={p.reason ?? 'available'}
          >
            <input
              type="radio"
              name="provider"
              value={p.id}
              disabled={!p.available}
              checked={provider === p.id}
              onChange={() => setProvider(p.id)}
            />{' '}
            {p.id}
            {p.available ? (
              <span className="badge ok">available</span>
            ) : (
              <span className="reason">unavailable: {p.reason}</span>
            )}
          </label>
        ))}
        {providers === null && <span>probing providers…</span>}
      </fieldset>
      <label className="field">
        <span>Prompt</span>
        <textarea
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          rows={3}
          placeholder="what colour is the triangle ?"
        />
      </label>
      <label className="field">
        <span>Max new tokens</span>
        <input
          type="number"
          min={1}
          max={512}
          value={maxNew}
          onChange={(e) => setMaxNew(Number(e.target.value))}
        />
      </label>
    </Panel>
  );
}
