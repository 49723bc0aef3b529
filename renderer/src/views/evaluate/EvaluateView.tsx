/**
 * Evaluate: open a `vlcache eval` results file and read it — accuracy against budget (the figure
 * component `vlcache figures --eval` renders), the policy × budget table of accuracy and agreement,
 * and, on a cell, the items whose answer flipped from correct (full cache) to wrong.
 */
import { type ChangeEvent, useMemo, useState } from 'react';
import type { EvalResults } from '../../../../analysis/eval/results';
import { EmptyState, Panel } from '../../components/Panel';
import { AccuracyFigure, evalFigureData } from '../../figures/EvalFigures';
import { flippedItems, parseResults } from './parseResults';

const fmt = (x: number) => x.toFixed(3);

export function EvaluateView() {
  const [results, setResults] = useState<EvalResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<{ policy: string; budget: number } | null>(null);

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (!f) return;
    try {
      setResults(parseResults(await f.text()));
      setError(null);
      setPicked(null);
    } catch (err) {
      setError(`${f.name}: ${(err as Error).message}`);
    }
  };

  const data = useMemo(() => (results ? evalFigureData(results.summary) : null), [results]);
  const budgets = results ? [...results.meta.settings.budgets].sort((a, b) => a - b) : [];
  const cellOf = (policy: string, budget: number) =>
    results?.summary.cells.find((c) => c.policy === policy && c.budget === budget && c.task === 'all');
  const flipped = results && picked ? flippedItems(results, picked.policy, picked.budget) : [];

  return (
    <Panel
      id="evaluate"
      title="Evaluate"
      help="A vlcache eval results file: accuracy against budget with the full-cache reference, the policy × budget table (accuracy / agreement), and the items whose answer flipped in a cell."
      actions={
        <input type="file" accept=".json,application/json" onChange={onFile} data-testid="eval-file" />
      }
    >
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {!results || !data ? (
        <EmptyState>
          Open a results file written by <code>vlcache eval</code>.
        </EmptyState>
      ) : (
        <div className="evaluate">
          <p>
            {results.summary.items} items · full-cache accuracy {fmt(results.summary.fullAccuracy)} · model{' '}
            {results.meta.model.name}
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
                  </tr>
                </thead>
                <tbody>
                  {flipped.map(({ item, cell }) => (
                    <tr key={item.key}>
                      <td>{item.task}</td>
                      <td>{item.question}</td>
                      <td>{item.answer}</td>
                      <td>{item.full.text}</td>
                      <td>{cell.text}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </Panel>
  );
}
