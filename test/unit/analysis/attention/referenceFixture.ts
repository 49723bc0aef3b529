/**
 * Loads test/fixtures/reference/attention.json, written by tools/reference/attention_reference.py
 * (numpy, float64). Shared by the unit reference test and the probe integration test.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AttentionSpec } from '../../../../analysis/attention/stats';
import type { LayerTensors } from '../../../../analysis/attention/layerTensors';
import type { StatsLayout } from '../../../../analysis/attention/statsLayout';

export interface ReferenceCase {
  name: string;
  seed: number;
  spec: AttentionSpec;
  layout: StatsLayout;
  imageSpan: [number, number];
  /** Per layer, flat [H, n, D] / [Hkv, n, D] float32 values. */
  queries: number[][];
  keys: number[][];
  /** Per layer and head: the visible entries of every row, rows in order. */
  rows: number[][][];
  /** [L, H, 3, 162]. */
  hist: number[];
  /** [L, H, 3, 161]: entries (other than row maxima) with x within 1e-5 of edge e_i. */
  nearEdge: number[];
  sparsity: {
    layer: number;
    head: number;
    rowSet: string;
    edge: number;
    sparse: number;
    total: number;
    value: number;
  }[];
  layerSparsity: { layer: number; rowSet: string; edge: number; value: number }[];
  postVision: number[];
  accumulated: number[];
  lastQuery: number[];
  keyNorm: number[];
  recallW: number[];
  oracle: number[];
  windowSums: Record<string, number[]>;
  overviewSize: number;
  overview: number[];
}

export interface ReferenceFixture {
  windowSizes: number[];
  sparsityEdges: number[];
  cases: ReferenceCase[];
}

export function loadAttentionReference(): ReferenceFixture {
  const path = join(import.meta.dirname, '../../../fixtures/reference/attention.json');
  return JSON.parse(readFileSync(path, 'utf8')) as ReferenceFixture;
}

export function referenceLayers(c: ReferenceCase): LayerTensors[] {
  return c.queries.map((q, l) => ({ queries: Float32Array.from(q), keys: Float32Array.from(c.keys[l]) }));
}
