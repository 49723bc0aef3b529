import { describe, expect, it } from 'vitest';
import { BoundedCache } from '../../../../analysis/policies/boundedCache';

describe('BoundedCache', () => {
  it('drops the least recently used entry beyond its capacity', () => {
    const c = new BoundedCache<string, number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3); // evicts b
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.get('c')).toBe(3);
    expect(c.size).toBe(2);
    c.set('a', 10); // replacing keeps one entry
    expect(c.size).toBe(2);
    expect(c.get('a')).toBe(10);
  });
});
