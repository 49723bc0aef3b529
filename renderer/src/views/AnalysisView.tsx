import { EmptyState, Panel } from '../components/Panel';
import { useStudio } from '../stores/store';
import type { ViewSpec } from './viewCatalog';

/**
 * The frame of one analysis view. Until a recording exists every view says so and what fills it;
 * the drawing code of each view plugs in here as the recorder and the worker land.
 */
export function AnalysisView({ view }: { view: ViewSpec }) {
  const hasRecording = useStudio((s) => s.recording !== null);
  return (
    <Panel id={view.id} title={view.title} help={view.help}>
      {!hasRecording && (
        <EmptyState>
          No recording yet. Run a model on an image in the Run panel, or open a <code>.vlcs</code> session, to
          see the {view.title.toLowerCase()}.
        </EmptyState>
      )}
    </Panel>
  );
}
