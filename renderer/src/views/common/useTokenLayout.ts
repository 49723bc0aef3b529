import { useMemo } from 'react';
import { useStudio } from '../../stores/store';
import { type TokenLayout, tokenLayout } from './tokenSpans';

/** The current recording's token layout, recomputed only when the recording changes. */
export function useTokenLayout(): TokenLayout | null {
  const recording = useStudio((s) => s.recording);
  return useMemo(() => (recording ? tokenLayout(recording) : null), [recording]);
}
