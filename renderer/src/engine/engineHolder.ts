/**
 * The connected engine, for code outside components (actions, the worker bridge). Set once by the
 * boot sequence; tests install a fake.
 */
import type { ConnectedEngine } from './connect';

let current: ConnectedEngine | null = null;

export function setEngine(e: ConnectedEngine | null): void {
  current = e;
}

export function engine(): ConnectedEngine {
  if (!current) throw new Error('the engine is not connected yet');
  return current;
}

export function hasEngine(): boolean {
  return current !== null;
}
