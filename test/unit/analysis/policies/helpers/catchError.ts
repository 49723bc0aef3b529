import { expect } from 'vitest';

/** The error `fn` throws, asserting that it throws one of class `cls`. */
export function catchError<E extends Error>(fn: () => unknown, cls: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(cls);
    return e as E;
  }
  throw new Error(`expected ${cls.name} to be thrown`);
}
