/**
 * Shared CLI plumbing: exit codes (0 ok, 1 bad input, 2 internal error) and the error class that
 * maps to exit code 1 with a one-line reason.
 */
import { VlcacheError } from '../engine/errors';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_INTERNAL = 2;

export class UsageError extends VlcacheError {
  constructor(message: string) {
    super('usage', message);
  }
}

/** Bad-input errors are the user's to fix (exit 1); anything else is ours (exit 2). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof VlcacheError && err.code !== 'internal') return EXIT_BAD_INPUT;
  return EXIT_INTERNAL;
}

export function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`invalid port: ${value}`);
  return n;
}
