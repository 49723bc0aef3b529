/**
 * Evaluate: run an eval sweep in the engine (startEval, with progress, ETA and cancel) or open a
 * `vlcache eval` results file, and read it — accuracy against budget (the figure component
 * `vlcache figures --eval` renders), the policy × budget table of accuracy and agreement, and, on a
 * cell, the items whose answer flipped from correct (full cache) to wrong; an item of a sweep run here
 * opens as a recording under that cell's policy and budget.
 */
import { type ChangeEvent, useEffect, useMemo, useRef, useState } from 'react';
import type { EvalProgressEvent } from '../../../../analysis/engine/api';
import type { EvalResults } from '../../../../analysis/eval/results';
import { PRESETS } from '../../../../analysis/policies/registry';
import { EmptyState, Panel } from '../../components/Panel';
import { engine } from '../../engine/engineHolder';
import { AccuracyFigure, evalFigureData } from '../../figures/EvalFigures';
import { startRun } from '../../stores/runActions';
import { actions, studio, useStudio } from '../../stores/store';
import { type FlippedItem, flippedItems, parseResults } from './parseResults';
import { DEFAULT_BUDGETS_TEXT, progressLabel, type SweepFormValues, sweepParams } from './sweepForm';

const fmt = (x: number) => x.toFixed(3);

/** Where the shown results came from: a file, or a sweep this engine ran (its items can be opened). */
type Source = { kind: 'file' } | { kind: 'sweep'; evalId: string; modelDir: string };

/**
 * Runs one flipped item as a normal recording (the Run panel's path) with the cell's policy first and
 * its budget, thresholds and window rules as the sweep had them, then shows the kept/evicted view.
 */
export async function openItemAsRecording(
  results: EvalResults,
  source: Extract<Source, { kind: 'sweep' }>,
  { item, cell }: FlippedItem,
): Promise<void> {
  const { png } = await engine().api.getEvalItemImage({ evalId: source.evalId, key: item.key });
  const s = results.meta.settings;
  const p = studio.store.getState().params;
  actions.dispatch({
    type: 'setParams',
    patch: {
      policies: [cell.policy, ...p.policies.filter((x) => x !== cell.policy)],
      budget: { kind: 'percent', basisPoints: cell.budget },
      viewEdge: s.pView,
      allocEdge: s.pAlloc,
      linkThresholds: s.linked,
      windowFraction: s.windowFraction,
      nSink: s.nSink,
      granularity: s.granularity,
    },
  });
  await startRun({
    modelDir: source.modelDir,
    provider: results.meta.provider,
    image: { bytes: png },
    prompt: item.question,
    maxNewTokens: s.maxNewTokens,
  });
  document.querySelector('[data-view="kept"]')?.scrollIntoView?.({ behavior: 'smooth', block: 'start' });
}

function SweepForm(props: { running: boolean; onStart: (v: SweepFormValues) => void }) {
  const models = useStudio((s) => s.models);
  const valid = (models ?? []).filter((m) => m.ok);
  const [model, setModel] = useState('');
  const [all, setAll] = useState(true);
  const [ticked, setTicked] = useState<string[]>(['vl-cache', 'h2o']);
  const [budgets, setBudgets] = useState(DEFAULT_BUDGETS_TEXT);
  const [limit, setLimit] = useState('');
  const [workers, setWorkers] = useState('');
  const values: SweepFormValues = {
    modelDir: model || valid[0]?.dir || '',
    policies: all ? 'all' : PRESETS.map((p) => p.id).filter((id) => ticked.includes(id)),
    budgets,
    limit,
    workers,
  };
  const checked = sweepParams(values);
  const errors = 'errors' in checked ? checked.errors : [];
  const toggle = (id: string) => setTicked((t) => (t.includes(id) ? t.filter((x) => x !== id) : [...t, id]));

  return (
    <form
      className="sweep-form"
      data-testid="sweep-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!errors.length && !props.running) props.onStart(values);
      }}
    >
      <label className="field">
        <span>Model</span>
        <select value={values.modelDir} onChange={(e) => setModel(e.target.value)} data-testid="sweep-model">
          {valid.map((m) => (
            <option key={m.dir} value={m.dir}>
              {m.name}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="field sweep-policies" data-testid="sweep-policies">
        <legend>Policies</legend>
        <label className="check">
          <input type="checkbox" checked={all} onChange={(e) => setAll(e.target.checked)} /> all
        </label>
        {PRESETS.map((p) => (
          <label key={p.id} className="check" title={p.id}>
            <input
              type="checkbox"
              disabled={all}
              checked={all || ticked.includes(p.id)}
              onChange={() => toggle(p.id)}
              data-testid={`sweep-policy-${p.id}`}
            />{' '}
            {p.label}
          </label>
        ))}
      </fieldset>
      <div className="sweep-row">
        <label className="field sweep-budgets">
          <span>Budgets (% of the prompt)</span>
          <input
            type="text"
            value={budgets}
            onChange={(e) => setBudgets(e.target.value)}
            data-testid="sweep-budgets"
          />
        </label>
        <label className="field">
          <span>Item limit</span>
          <input
            type="text"
            inputMode="numeric"
            placeholder="all"
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            data-testid="sweep-limit"
          />
        </label>
        <label className="field">
          <span>Workers</span>
          <input
            type="text"
            inputMode="numeric"
            placeholder="cores"
            value={workers}
            onChange={(e) => setWorkers(e.target.value)}
            data-testid="sweep-workers"
          />
        </label>
        <button
          type="submit"
          className="primary"
          disabled={errors.length > 0 || props.running}
          data-testid="sweep-start"
        >
          Run sweep
        </button>
      </div>
      {errors.length > 0 && (
        <ul className="form-errors error" data-testid="sweep-errors">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </form>
  );
}

function SweepProgress(props: { progress: EvalProgressEvent; onCancel: () => void; cancelling: boolean }) {
  const p = props.progress;
  const fraction = p.fraction ?? (p.total ? p.done / p.total : 0);
  const running = p.stage === 'preparing' || p.stage === 'running';
  return (
    <div className={`sweep-progress ${p.stage}`} data-testid="sweep-progress">
      <div
        className="bar"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={p.total}
        aria-valuenow={p.done}
      >
        <div style={{ width: `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%` }} />
      </div>
      <div className="sweep-status">
        <span data-testid="sweep-status">
          {p.stage === 'preparing' ? 'reading the eval set… · ' : ''}
          {p.stage === 'cancelled' ? 'cancelled · ' : ''}
          {p.stage === 'done' ? 'done · ' : ''}
          {progressLabel(p)}
        </span>
        {running && (
          <button
            type="button"
            onClick={props.onCancel}
            disabled={props.cancelling}
            data-testid="sweep-cancel"
          >
            {props.cancelling ? 'Cancelling…' : 'Cancel'}
          </button>
        )}
      </div>
      {p.stage === 'cancelled' && (
        <div className="muted">Finished items are kept: Run sweep with the same settings continues.</div>
      )}
    </div>
  );
}

export function EvaluateView() {
  const [results, setResults] = useState<EvalResults | null>(null);
  const [source, setSource] = useState<Source>({ kind: 'file' });
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<{ policy: string; budget: number } | null>(null);
  const [progress, setProgress] = useState<EvalProgressEvent | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const runState = useStudio((s) => s.run.state);
  /** The sweep being followed, and the latest event of every sweep (events can beat startEval's reply). */
  const current = useRef<{ evalId: string; modelDir: string } | null>(null);
  const latest = useRef(new Map<string, EvalProgressEvent>());
  const off = useRef<(() => void) | null>(null);
  useEffect(() => () => off.current?.(), []);

  const show = (r: EvalResults, src: Source) => {
    setResults(r);
    setSource(src);
    setError(null);
    setPicked(null);
  };

  const onEvent = (ev: EvalProgressEvent) => {
    const c = current.current;
    if (!c || ev.evalId !== c.evalId) return;
    setProgress(ev);
    if (ev.stage === 'running' || ev.stage === 'preparing') return;
    current.current = null;
    setCancelling(false);
    if (ev.stage === 'failed') setError(`eval sweep failed: ${ev.message ?? 'unknown error'}`);
    if (ev.stage === 'done') {
      engine()
        .api.getEvalResults({ evalId: c.evalId })
        .then(
          (r) => show(r, { kind: 'sweep', ...c }),
          (e: Error) => setError(e.message),
        );
    }
  };

  const start = async (v: SweepFormValues) => {
    const checked = sweepParams(v);
    if ('errors' in checked) return;
    const e = engine();
    off.current ??= e.on('evalProgress', (payload) => {
      const ev = payload as EvalProgressEvent;
      latest.current.set(ev.evalId, ev);
      onEvent(ev);
    });
    setError(null);
    setCancelling(false);
    // A restarted sweep keeps its id: forget the last session's events (its end among them).
    latest.current.clear();
    try {
      const { evalId } = await e.api.startEval(checked.params);
      current.current = { evalId, modelDir: checked.params.modelDir };
      const seen = latest.current.get(evalId);
      setProgress(seen ?? { evalId, stage: 'preparing', done: 0, total: 0, etaSeconds: null });
      if (seen) onEvent(seen);
    } catch (err) {
      setError((err as Error).message);
    }
  };

  const cancel = async () => {
    const c = current.current;
    if (!c) return;
    setCancelling(true);
    try {
      await engine().api.cancelEval({ evalId: c.evalId });
    } catch (err) {
      setError((err as Error).message);
      setCancelling(false);
    }
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (!f) return;
    try {
      show(parseResults(await f.text()), { kind: 'file' });
    } catch (err) {
      setError(`${f.name}: ${(err as Error).message}`);
    }
  };

  const open = (f: FlippedItem) => {
    if (!results || source.kind !== 'sweep') return;
    openItemAsRecording(results, source, f).catch((err: Error) => setError(err.message));
  };

  const data = useMemo(() => (results ? evalFigureData(results.summary) : null), [results]);
  const budgets = results ? [...results.meta.settings.budgets].sort((a, b) => a - b) : [];
  const cellOf = (policy: string, budget: number) =>
    results?.summary.cells.find((c) => c.policy === policy && c.budget === budget && c.task === 'all');
  const flipped = results && picked ? flippedItems(results, picked.policy, picked.budget) : [];
  const sweeping = progress?.stage === 'preparing' || progress?.stage === 'running';

  return (
    <Panel
      id="evaluate"
      title="Evaluate"
      help="Run an eval sweep (every policy × budget over the eval set) or open a vlcache eval results file: accuracy against budget with the full-cache reference, the policy × budget table (accuracy / agreement), and the items whose answer flipped in a cell."
      actions={
        <label className="file-button" title="Open a results file written by vlcache eval">
          Open results file…
          <input type="file" accept=".json,application/json" onChange={onFile} data-testid="eval-file" />
        </label>
      }
    >
      <div className="evaluate">
        <SweepForm running={sweeping} onStart={start} />
        {progress && <SweepProgress progress={progress} onCancel={cancel} cancelling={cancelling} />}
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
        {!results || !data ? (
          <EmptyState>
            Run a sweep, or open a results file written by <code>vlcache eval</code>.
          </EmptyState>
        ) : (
          <div className="eval-results">
            <p className="eval-meta">
              {results.summary.items} items · full-cache accuracy {fmt(results.summary.fullAccuracy)} · model{' '}
              {results.meta.model.name}
              {source.kind === 'sweep' ? ' · run here' : ''}
            </p>
            <AccuracyFigure data={data} />
            <table className="eval-table" data-testid="eval-table">
              <thead>
                <tr>
                  <th>policy</th>
                  {budgets.map((b) => (
                    <th key={b}>{b / 100} %</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.policies.map((p) => (
                  <tr key={p}>
                    <th>{p}</th>
                    {budgets.map((b) => {
                      const c = cellOf(p, b);
                      const on = picked?.policy === p && picked.budget === b;
                      return (
                        <td key={b} className={on ? 'picked' : undefined}>
                          {c ? (
                            <button
                              type="button"
                              onClick={() => setPicked({ policy: p, budget: b })}
                              title="accuracy / agreement with the full-cache answer; click for the flipped items"
                            >
                              {fmt(c.accuracy)} / {fmt(c.agreement)}
                            </button>
                          ) : (
                            '–'
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
            {picked && (
              <div className="eval-flipped" data-testid="eval-flipped">
                <h4>
                  {picked.policy} at {picked.budget / 100} %: {flipped.length} item
                  {flipped.length === 1 ? '' : 's'} correct with the full cache and wrong under the policy
                  {results.items.length === 0 ? ' (this file has no per-item results)' : ''}
                </h4>
                <table>
                  <thead>
                    <tr>
                      <th>task</th>
                      <th>question</th>
                      <th>expected</th>
                      <th>full cache</th>
                      <th>policy</th>
                      <th />
                    </tr>
                  </thead>
                  <tbody>
                    {flipped.map((f) => (
                      <tr key={f.item.key}>
                        <td>{f.item.task}</td>
                        <td>{f.item.question}</td>
                        <td>{f.item.answer}</td>
                        <td>{f.item.full.text}</td>
                        <td>{f.cell.text}</td>
                        <td>
                          <button
                            type="button"
                            disabled={source.kind !== 'sweep' || runState === 'running'}
                            title={
                              source.kind === 'sweep'
                                ? `Run this image and question as a recording, with ${f.cell.policy} at ${f.cell.budget / 100} % selected`
                                : 'Only items of a sweep run here can be opened (the engine holds their images)'
                            }
                            onClick={() => open(f)}
                            data-testid="eval-open-item"
                          >
                            Open as recording
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        )}
      </div>
    </Panel>
  );
}
