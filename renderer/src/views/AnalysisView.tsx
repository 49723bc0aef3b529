import type { ReactNode } from 'react';
import { EmptyState, Panel } from '../components/Panel';
import { useStudio } from '../stores/store';
import { AttentionView } from './attention/AttentionView';
import { BudgetView } from './budget/BudgetView';
import { FigureExport } from './common/FigureExport';
import { CompareView } from './compare/CompareView';
import { KeptView } from './kept/KeptView';
import { OverlayView } from './overlay/OverlayView';
import { SparsityView } from './sparsity/SparsityView';
import { TokenStrip } from './tokens/TokenStrip';
import type { ViewSpec } from './viewCatalog';

const BODIES: Record<ViewSpec['id'], () => ReactNode> = {
  tokens: () => <TokenStrip />,
  attention: () => <AttentionView />,
  overlay: () => <OverlayView />,
  sparsity: () => <SparsityView />,
  budget: () => <BudgetView />,
  kept: () => <KeptView />,
  compare: () => <CompareView />,
};

/** Views that draw from the worker's results wait for the statistics; the others need the recording only. */
const NEEDS_STATS = new Set<ViewSpec['id']>(['sparsity', 'budget', 'kept', 'compare']);

/** The frame of one analysis view: its title and tooltip, its empty state until it has data, then its body. */
export function AnalysisView({ view }: { view: ViewSpec }) {
  const hasRecording = useStudio((s) => s.recording !== null);
  const hasStats = useStudio((s) => s.stats !== null);
  const statsError = useStudio((s) => s.statsError);
  const derivedError = useStudio((s) => s.derivedError);
  const stale = useStudio((s) => s.wantedKey !== null && s.wantedKey !== s.derivedKey);
  const waiting = NEEDS_STATS.has(view.id) && !hasStats;
  return (
    <Panel
      id={view.id}
      title={view.title}
      help={view.help}
      actions={
        <>
          {NEEDS_STATS.has(view.id) && hasStats && stale ? (
            <span className="updating" title="The worker is computing the latest parameters">
              updating…
            </span>
          ) : null}
          {hasStats && <FigureExport view={view.id} />}
        </>
      }
    >
      {!hasRecording ? (
        <EmptyState>
          No recording yet. Run a model on an image in the Run panel, or open a <code>.vlcs</code> session, to
          see the {view.title.toLowerCase()}.
        </EmptyState>
      ) : waiting ? (
        <EmptyState>
          {statsError ? `Statistics unavailable: ${statsError}` : 'Loading the statistics…'}
        </EmptyState>
      ) : (
        <>
          {NEEDS_STATS.has(view.id) && derivedError && (
            <div className="error" role="alert">
              Analysis failed: {derivedError}
            </div>
          )}
          {BODIES[view.id]()}
        </>
      )}
    </Panel>
  );
}
