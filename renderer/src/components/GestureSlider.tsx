import { useRef } from 'react';

let gestureCounter = 0;

/**
 * A range input whose drag is one gesture: every value it passes reaches `onChange` (so the views
 * follow the drag) with a gesture id that stays the same from pointer-down to pointer-up (and for a run
 * of key presses while focused), so the action log folds the drag into one undoable entry.
 */
export function GestureSlider(props: {
  min: number;
  max: number;
  step?: number;
  value: number;
  onChange: (value: number, gesture: string) => void;
  label: string;
  testId?: string;
  title?: string;
  disabled?: boolean;
}) {
  const gesture = useRef(`g${++gestureCounter}`);
  const renew = () => {
    gesture.current = `g${++gestureCounter}`;
  };
  return (
    <input
      type="range"
      min={props.min}
      max={props.max}
      step={props.step ?? 1}
      value={props.value}
      aria-label={props.label}
      title={props.title}
      data-testid={props.testId}
      disabled={props.disabled}
      onPointerDown={renew}
      onFocus={renew}
      onChange={(e) => props.onChange(Number(e.target.value), gesture.current)}
    />
  );
}
