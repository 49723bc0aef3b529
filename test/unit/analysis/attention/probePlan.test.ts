import fc from 'fast-check';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { ProbeLayerAssembler } from '../../../../analysis/attention/probePlan';
import { buildProbeGraph } from '../../../../analysis/attention/probeGraph';
import { buildColumnSumGraph } from '../../../../analysis/attention/columnSumGraph';
import { createStats } from '../../../../analysis/attention/createStats';
import { overviewBlockStarts } from '../../../../analysis/attention/overviewMap';
import { visibilityBias } from '../../../../analysis/attention/probeAttention';
import { ShapeError } from '../../../../analysis/attention/errors';
import { handLayout, handSpec, handTensors } from './handCase';

describe('probe chunk plan', () => {
  it('covers every (query head, row) once, whole KV groups, rows aligned to overview pixels', () => {
    fc.assert(
      fc.property(
        fc.record({
          m: fc.integer({ min: 1, max: 400 }),
          G: fc.integer({ min: 1, max: 20 }),
          Hkv: fc.integer({ min: 1, max: 4 }),
          g: fc.integer({ min: 1, max: 4 }),
          window: fc.option(fc.integer({ min: 1, max: 100 })),
          maxEntries: fc.integer({ min: 1, max: 400_000 }),
        }),
        ({ m, G, Hkv, g, window, maxEntries }) => {
          const H = Hkv * g;
          const spec = {
            layers: 1,
            heads: H,
            kvHeads: Hkv,
            headDim: 2,
            scale: 1,
            softcap: null,
            slidingWindow: [window],
          };
          const stats = createStats(spec, { m, G, postVisionStart: m });
          const asm = new ProbeLayerAssembler(stats, 0, { maxEntries });
          const n = m + G;
          const R = stats.overviewSize;
          const starts = overviewBlockStarts(n, R);
          const seen = new Uint8Array(H * n);
          for (const c of asm.chunks) {
            expect(c.h0 % g).toBe(0);
            expect((c.h1 - c.h0) % g).toBe(0);
            expect(c.r0).toBe(starts[c.rb0]);
            expect(c.r1).toBe(starts[c.rb1]);
            expect(c.k1).toBe(c.r1);
            expect(c.k0).toBe(window === null ? 0 : Math.max(0, c.r0 - window + 1));
            // A chunk only exceeds the budget when one pixel row of one KV group already does.
            if (ProbeLayerAssembler.entries(c) > maxEntries) {
              expect(c.rb1 - c.rb0).toBe(1);
              expect(c.h1 - c.h0).toBe(g);
            }
            for (let h = c.h0; h < c.h1; h++) for (let q = c.r0; q < c.r1; q++) seen[h * n + q]++;
          }
          expect(seen.every((x) => x === 1)).toBe(true);
        },
      ),
      { numRuns: 80 },
    );
  });

  it('builds feeds of the documented shapes', () => {
    const spec = handSpec({ slidingWindow: [4] });
    const stats = createStats(spec, handLayout);
    const asm = new ProbeLayerAssembler(stats, 0, { maxEntries: 30, histogram: 'scatter' });
    const t = handTensors();
    const c = asm.chunks[asm.chunks.length - 1];
    const f = asm.feeds(t, c);
    const rows = c.r1 - c.r0;
    const keys = c.k1 - c.k0;
    const kv = (c.h1 - c.h0) / 2;
    expect(f.queries.dims).toEqual([kv, 2, rows, 2]);
    expect(f.keys.dims).toEqual([kv, 1, keys, 2]);
    expect(f.bias.dims).toEqual([rows, keys]);
    expect(f.rowWeights.dims).toEqual([8, rows]);
    expect(f.promptCols.dims).toEqual([keys, 1]);
    expect(f.rowBase.dims).toEqual([kv, 2, rows, 1]);
    expect(f.histogramInit.data.length).toBe((c.h1 - c.h0) * 3 * 162);
    expect(() => asm.feeds({ queries: t.queries, keys: t.keys.subarray(2) }, c)).toThrow(ShapeError);
  });

  it('visibility bias: 0 on visible keys, −∞ elsewhere', () => {
    // Rows 2..4, keys 1..4, window 2 (row q sees q − 1 and q).
    const b = visibilityBias(2, 5, 1, 5, (q) => Math.max(0, q - 1));
    const I = Number.NEGATIVE_INFINITY;
    expect(Array.from(b)).toEqual([0, 0, I, I, I, 0, 0, I, I, I, 0, 0]);
  });

  it('rejects outputs of the wrong size', () => {
    const stats = createStats(handSpec(), handLayout);
    const asm = new ProbeLayerAssembler(stats, 0);
    const c = asm.chunks[0];
    expect(() =>
      asm.add(c, { columnSums: new Float32Array(1), overview: new Uint8Array(1), bins: new Uint8Array(1) }),
    ).toThrow(ShapeError);
  });
});

describe('probe graphs as ONNX bytes', () => {
  const { onnx } = onnxProto;
  const names = (vs: { name?: string | null }[]) => vs.map((v) => v.name);

  it('declare the documented inputs and outputs for each histogram mode', () => {
    const bins = onnx.ModelProto.decode(buildProbeGraph(handSpec(), 'bins'));
    expect(names(bins.graph!.input!)).toEqual([
      'queries',
      'keys',
      'bias',
      'rowWeights',
      'promptCols',
      'decodeFrom',
      'overviewRows',
      'overviewCols',
    ]);
    expect(names(bins.graph!.output!)).toEqual(['columnSums', 'bins', 'overview']);
    const scatter = onnx.ModelProto.decode(buildProbeGraph(handSpec({ softcap: 30 }), 'scatter'));
    expect(names(scatter.graph!.output!)).toEqual(['columnSums', 'histogram', 'overview']);
    expect(names(scatter.graph!.input!)).toContain('rowBase');
    // The softcap adds its Tanh; the plain graph has none.
    expect(scatter.graph!.node!.some((nd) => nd.opType === 'Tanh')).toBe(true);
    expect(bins.graph!.node!.some((nd) => nd.opType === 'Tanh')).toBe(false);
    const cs = onnx.ModelProto.decode(buildColumnSumGraph(handSpec()));
    expect(names(cs.graph!.output!)).toEqual(['columnSums']);
    expect(Number(cs.opsetImport![0].version)).toBe(17);
  });
});
