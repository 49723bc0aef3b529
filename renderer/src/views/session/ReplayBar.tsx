import { useEffect, useMemo, useState } from 'react';
import { createPlayer } from '../../session/replayPlayer';
import { captionAt, type LogEntry } from '../../stores/actionLog';
import { actions, studio, useStudio } from '../../stores/store';

/** One line saying what a log entry did, for the scrubber's label. */
export function describeEntry(e: LogEntry): string {
  const a = e.action;
  if (a.type === 'annotate') return `note: ${a.text}`;
  if (a.type === 'evaluate') return `evaluated ${a.policy} at ${a.budgetLabel}`;
  return Object.entries(a.patch)
    .map(([k, v]) => `${k} = ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join(', ');
}

/**
 * The replay transport (DESIGN §8, view 9): the action log's cursor is the position, so each step
 * restores exactly the state that action produced. Play waits between steps as long as the user did
 * (clamped); notes replay as captions; a new note is added at the cursor.
 */
export function ReplayBar() {
  const length = useStudio((s) => s.log.length);
  const cursor = useStudio((s) => s.cursor);
  const current = useStudio((s) => (s.cursor > 0 ? s.log[s.cursor - 1] : null));
  const caption = useStudio((s) => captionAt(s.log, s.cursor)?.text ?? null);
  const [playing, setPlaying] = useState(false);
  const [note, setNote] = useState('');
  const player = useMemo(
    () =>
      createPlayer(
        () => studio.store.getState(),
        () => actions.redo(),
        setPlaying,
      ),
    [],
  );
  useEffect(() => () => player.pause(), [player]);

  const play = () => {
    if (playing) return player.pause();
    if (studio.store.getState().cursor >= length) actions.seek(0);
    player.play();
  };
  const addNote = () => {
    const text = note.trim();
    if (!text) return;
    actions.dispatch({ type: 'annotate', text });
    setNote('');
  };

  return (
    <div className="replay" data-testid="replay">
      <div className="replay-controls">
        <button type="button" onClick={() => actions.seek(0)} disabled={cursor === 0} title="To the start">
          ⏮
        </button>
        <button
          type="button"
          onClick={() => actions.undo()}
          disabled={cursor === 0}
          title="Step back"
          data-testid="replay-back"
        >
          ◀
        </button>
        <button
          type="button"
          onClick={play}
          disabled={length === 0}
          title={playing ? 'Pause' : 'Play'}
          data-testid="replay-play"
        >
          {playing ? '⏸' : '▶'}
        </button>
        <button
          type="button"
          onClick={() => actions.redo()}
          disabled={cursor >= length}
          title="Step"
          data-testid="replay-step"
        >
          ▶|
        </button>
        <input
          type="range"
          min={0}
          max={length}
          value={cursor}
          disabled={length === 0}
          aria-label="Replay position"
          data-testid="replay-scrub"
          onChange={(e) => {
            player.pause();
            actions.seek(Number(e.target.value));
          }}
        />
        <span className="muted" data-testid="replay-position">
          {cursor} / {length}
        </span>
      </div>
      <div className="muted replay-entry" title={current ? describeEntry(current) : ''}>
        {current ? `${(current.t / 1000).toFixed(1)} s · ${describeEntry(current)}` : 'start'}
      </div>
      {caption && (
        <div className="replay-caption" data-testid="replay-caption">
          {caption}
        </div>
      )}
      <div className="session-row">
        <input
          type="text"
          value={note}
          placeholder="Add a note at this step…"
          maxLength={2000}
          onChange={(e) => setNote(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') addNote();
          }}
          data-testid="note-text"
        />
        <button type="button" onClick={addNote} disabled={!note.trim()} data-testid="add-note">
          Add note
        </button>
      </div>
    </div>
  );
}
