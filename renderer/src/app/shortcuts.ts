/**
 * Keyboard shortcuts (issue 6 §10): layer and head stepping, query-token stepping and undo/redo, as a
 * pure map from a key event to what it does, so it is tested without a DOM. Typing in a field never
 * triggers a shortcut.
 */
import type { Params } from '../stores/paramsSlice';

export interface KeyInput {
  key: string;
  ctrl: boolean;
  meta: boolean;
  shift: boolean;
  alt: boolean;
  /** The event's target is a text field, select or editable element. */
  inField: boolean;
}

export type KeyOutcome =
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'params'; patch: Partial<Params> }
  | null;

export const SHORTCUT_HELP = [
  ['[ / ]', 'previous / next layer'],
  [', / .', 'previous / next head (through the head mean)'],
  ['m', 'head mean'],
  ['← / →', 'previous / next query token'],
  ['Ctrl+Z', 'undo'],
  ['Ctrl+Shift+Z, Ctrl+Y', 'redo'],
] as const;

export function keyOutcome(
  e: KeyInput,
  p: Params,
  dims: { L: number; H: number; n: number } | null,
): KeyOutcome {
  const mod = e.ctrl || e.meta;
  if (mod && !e.alt) {
    const k = e.key.toLowerCase();
    if (e.inField) return null;
    if (k === 'z') return e.shift ? { kind: 'redo' } : { kind: 'undo' };
    if (k === 'y') return { kind: 'redo' };
    return null;
  }
  if (e.inField || mod || e.alt || !dims) return null;
  const { L, H, n } = dims;
  switch (e.key) {
    case '[':
      return p.layer > 0 ? { kind: 'params', patch: { layer: p.layer - 1 } } : null;
    case ']':
      return p.layer < L - 1 ? { kind: 'params', patch: { layer: p.layer + 1 } } : null;
    case ',': {
      const head = p.head === 'mean' ? H - 1 : p.head === 0 ? 'mean' : p.head - 1;
      return { kind: 'params', patch: { head } };
    }
    case '.': {
      const head = p.head === 'mean' ? 0 : p.head === H - 1 ? 'mean' : p.head + 1;
      return { kind: 'params', patch: { head } };
    }
    case 'm':
      return p.head === 'mean' ? null : { kind: 'params', patch: { head: 'mean' } };
    case 'ArrowLeft':
      return p.queryToken !== null && p.queryToken > 0
        ? { kind: 'params', patch: { queryToken: p.queryToken - 1 } }
        : null;
    case 'ArrowRight':
      return p.queryToken === null
        ? { kind: 'params', patch: { queryToken: 0 } }
        : p.queryToken < n - 1
          ? { kind: 'params', patch: { queryToken: p.queryToken + 1 } }
          : null;
    default:
      return null;
  }
}
