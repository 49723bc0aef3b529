/**
 * The public surface of analysis/attention: exact attention from recorded queries and keys, the
 * histogram grid and sparsity, the Stats builders (TypeScript and the ONNX probe graph), tiles and
 * decode rows on demand. Pure TypeScript over typed arrays; the probe graph is built here as bytes and
 * run by analysis/model/probeRunner.ts.
 */
export * from './stats';
export * from './errors';
export * from './statsLayout';
export * from './layerTensors';
export * from './statsIndex';
export * from './attentionRow';
export * from './histogramGrid';
export * from './snapThreshold';
export * from './thresholdFilter';
export * from './sparsity';
export * from './sparsityDirect';
export * from './columnSumSets';
export * from './overviewMap';
export * from './keyNorm';
export * from './createStats';
export * from './layerAccumulator';
export * from './buildStats';
export * from './addWindowSums';
export * from './getTile';
export * from './decodeRows';
export * from './onnxGraph';
export * from './probeAttention';
export * from './probeGraph';
export * from './columnSumGraph';
export * from './probePlan';
