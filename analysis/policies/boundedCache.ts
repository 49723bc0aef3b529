/**
 * A Map that keeps at most `capacity` entries, dropping the least recently used: the per-recording
 * caches of LiveAnalysis (rankings of window scorers for every w a budget sweep touched, recall
 * curves of every policy looked at) would otherwise grow for as long as a session lasts, at a few
 * megabytes per entry at LLaVA scale.
 */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();

  constructor(readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // Re-inserting moves the key to the end of the Map's insertion order: most recently used.
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  get size(): number {
    return this.map.size;
  }
}
