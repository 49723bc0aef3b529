/** A metric with one value per layer and the overall value (the mean over layers, ALGORITHMS §7). */
export interface LayerMetric {
  perLayer: Float64Array;
  overall: number;
}

export function layerMetric(perLayer: Float64Array): LayerMetric {
  let s = 0;
  for (let l = 0; l < perLayer.length; l++) s += perLayer[l];
  return { perLayer, overall: s / perLayer.length };
}
