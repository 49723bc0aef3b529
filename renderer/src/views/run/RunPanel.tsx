import { useEffect, useState } from 'react';
import type { EngineParams } from '../../../../analysis/engine/api';
import { imageTokensText } from '../../../../analysis/engine/imageTokensText';
import { EmptyState, Panel } from '../../components/Panel';
import { engine } from '../../engine/engineHolder';
import { cancelRun, startRun } from '../../stores/runActions';
import { useStudio } from '../../stores/store';
import { msLabel, orderedTimings, runFraction, runStages } from './layout';

type ImageChoice =
  | { kind: 'sample'; name: string; url: string | null }
  | { kind: 'file'; name: string; bytes: Uint8Array; url: string };

const pngUrl = (bytes: Uint8Array, type = 'image/png') =>
  URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type }));

/** Sample thumbnails, fetched once per session from the engine. */
const thumbCache = new Map<string, Promise<string>>();
function sampleUrl(name: string): Promise<string> {
  let p = thumbCache.get(name);
  if (!p) {
    p = engine()
      .api.getSample({ name })
      .then((r) => pngUrl(r.png));
    thumbCache.set(name, p);
  }
  return p;
}

function SampleThumb({ name, selected, onPick }: { name: string; selected: boolean; onPick: () => void }) {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    sampleUrl(name).then(
      (u) => live && setUrl(u),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [name]);
  return (
    <button
      type="button"
      className={`thumb${selected ? ' selected' : ''}`}
      onClick={onPick}
      title={name}
      data-testid={`sample-${name}`}
    >
      {url ? <img src={url} alt={name} /> : <span>{name}</span>}
    </button>
  );
}

/**
 * The Run panel: an image (a sample with its suggested questions, or a file opened or dropped), a
 * prompt, the model, the execution provider (with availability and the reason when unavailable) and
 * max new tokens; Run shows the staged progress and can be cancelled; afterwards the answer, the
 * provider that actually ran and the stage timings.
 */
export function RunPanel() {
  const models = useStudio((s) => s.models);
  const providers = useStudio((s) => s.providers);
  const samples = useStudio((s) => s.samples);
  const run = useStudio((s) => s.run);
  const recording = useStudio((s) => s.recording);
  const statsError = useStudio((s) => s.statsError);
  const [model, setModel] = useState('');
  const [provider, setProvider] = useState<EngineParams<'run'>['provider']>('auto');
  const [prompt, setPrompt] = useState('');
  const [maxNew, setMaxNew] = useState(24);
  const [image, setImage] = useState<ImageChoice | null>(null);
  const [dragging, setDragging] = useState(false);
  const [fileError, setFileError] = useState<string | null>(null);
  const valid = (models ?? []).filter((m) => m.ok);
  const invalid = (models ?? []).filter((m) => !m.ok);
  const chosen = model || valid[0]?.dir || '';
  const running = run.state === 'running';

  // Start with the first sample and its first question, so Run works at once.
  useEffect(() => {
    if (image || !samples?.length) return;
    const s = samples[0];
    setImage({ kind: 'sample', name: s.image, url: null });
    setPrompt((p) => p || s.questions[0] || '');
  }, [samples, image]);

  const openFile = async (file: File) => {
    setFileError(null);
    if (!file.type.startsWith('image/')) {
      setFileError(`${file.name} is not an image`);
      return;
    }
    const bytes = new Uint8Array(await file.arrayBuffer());
    setImage({ kind: 'file', name: file.name, bytes, url: pngUrl(bytes, file.type) });
  };

  const sample = image?.kind === 'sample' ? samples?.find((s) => s.image === image.name) : undefined;
  const canRun = !running && chosen !== '' && prompt.trim() !== '' && image !== null && maxNew >= 1;
  const doRun = () => {
    if (!canRun || !image) return;
    startRun({
      modelDir: chosen,
      provider,
      image: image.kind === 'sample' ? { sample: image.name } : { bytes: image.bytes },
      prompt: prompt.trim(),
      maxNewTokens: maxNew,
    });
  };

  return (
    <Panel
      id="run"
      title="Run"
      help="Run a vision-language model on an image and record every layer's queries and keys (DESIGN §4)."
    >
      <div
        className={`image-pick${dragging ? ' dragging' : ''}`}
        data-testid="image-drop"
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const f = e.dataTransfer.files[0];
          if (f) openFile(f);
        }}
      >
        <div className="field-label">Image — pick a sample, open a file or drop one here</div>
        <div className="thumbs">
          {(samples ?? []).map((s) => (
            <SampleThumb
              key={s.image}
              name={s.image}
              selected={image?.kind === 'sample' && image.name === s.image}
              onPick={() => {
                setImage({ kind: 'sample', name: s.image, url: null });
                if (!prompt.trim() || sample?.questions.includes(prompt)) setPrompt(s.questions[0] ?? '');
              }}
            />
          ))}
        </div>
        <label className="file-open">
          <input
            type="file"
            accept="image/png,image/jpeg,image/webp"
            data-testid="image-file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) openFile(f);
            }}
          />
        </label>
        {image?.kind === 'file' && (
          <div className="picked">
            <img src={image.url} alt={image.name} /> {image.name}
          </div>
        )}
        {fileError && <div className="error">{fileError}</div>}
        {samples !== null && samples.length === 0 && (
          <div className="muted">No sample images are installed.</div>
        )}
      </div>
      {sample && sample.questions.length > 0 && (
        <div className="questions" data-testid="suggested-questions">
          {sample.questions.map((q) => (
            <button key={q} type="button" className={q === prompt ? 'on' : ''} onClick={() => setPrompt(q)}>
              {q}
            </button>
          ))}
        </div>
      )}
      <label className="field">
        <span>Prompt</span>
        <textarea
          data-testid="prompt"
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          rows={2}
          placeholder="what colour is the triangle?"
        />
      </label>
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
              {m.summary ? `, ${m.summary.layers} layers, ${imageTokensText(m.summary)}` : ''})
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
        <details className="invalid-models" data-testid="invalid-models">
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
      <label className="field inline">
        <span>Max new tokens</span>
        <input
          type="number"
          data-testid="max-new-tokens"
          min={1}
          max={512}
          value={maxNew}
          onChange={(e) => setMaxNew(Math.max(1, Math.min(512, Math.round(Number(e.target.value)) || 1)))}
        />
      </label>
      <div className="run-actions">
        <button type="button" className="primary" data-testid="run" disabled={!canRun} onClick={doRun}>
          Run
        </button>
        {running && (
          <button type="button" data-testid="cancel" onClick={() => cancelRun()} disabled={run.cancelling}>
            {run.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      {running && <RunProgress />}
      {run.state === 'failed' && (
        <div className="error" role="alert" data-testid="run-error">
          Run failed: {run.message}
        </div>
      )}
      {run.state === 'cancelled' && (
        <div className="muted" data-testid="run-cancelled">
          Run cancelled; nothing was recorded.
        </div>
      )}
      {recording && (
        <div className="run-result" data-testid="run-result">
          <div className="answer">
            <span className="field-label">Answer</span>
            <q data-testid="answer">{recording.generation.text}</q>
            <small className="muted">
              {' '}
              ({recording.generation.ids.length} tokens, stopped by{' '}
              {recording.generation.stoppedBy === 'eos' ? 'EOS' : 'max new tokens'})
            </small>
          </div>
          <div>
            ran on <b data-testid="provider-ran">{recording.provider}</b> · {recording.model.name} · m ={' '}
            {recording.dims.m} prompt tokens
          </div>
          <table className="timings" data-testid="timings">
            <tbody>
              {orderedTimings(recording.timings).rows.map((r) => (
                <tr key={r.name}>
                  <td>{r.name}</td>
                  <td>{msLabel(r.ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {recording.unknownWords.length > 0 && (
            <div className="warn">The tokenizer does not know: {recording.unknownWords.join(', ')}</div>
          )}
          {statsError && <div className="error">Statistics unavailable: {statsError}</div>}
        </div>
      )}
    </Panel>
  );
}

function RunProgress() {
  const run = useStudio((s) => s.run);
  if (run.state !== 'running') return null;
  const stages = runStages(run.progress);
  const f = runFraction(run.progress);
  return (
    <div className="run-progress" data-testid="run-progress">
      <div
        className="bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(100 * f)}
      >
        <div style={{ width: `${100 * f}%` }} />
      </div>
      <ol className="stages">
        {stages.map((s) => (
          <li key={s.stage} className={s.state}>
            {s.label}
          </li>
        ))}
      </ol>
    </div>
  );
}
