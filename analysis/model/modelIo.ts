/**
 * The ONNX side of the model-package contract (docs/model-package.md): the inputs and outputs each
 * graph must have, with dtype and rank. `checkModelIo` compares what onnxruntime reports for the
 * loaded sessions against it and lists every mismatch (a missing file, a renamed output, a wrong
 * rank), none guessed.
 */
import type { ModelManifest } from './manifest';

export interface IoSpec {
  name: string;
  type: string;
  rank: number;
}

export interface GraphIo {
  inputs: IoSpec[];
  outputs: IoSpec[];
}

export interface ContractIo {
  vision: GraphIo;
  embed: GraphIo;
  decoder: GraphIo;
}

export function contractIo(m: ModelManifest): ContractIo {
  const f = m.ioDtype === 'f16' ? 'float16' : 'float32';
  const posRank = m.positionIds === 'mrope3' ? 3 : 2;
  const layers = Array.from({ length: m.layers }, (_, i) => i);
  // Anyres: pixel_values holds every tile [T, 3, S, S] and image_features their features in tile
  // order; the runtime packs them itself (unpadding, newline tokens), so there is no image_size input.
  // Features come in the package's ioDtype (f16 for an fp16 export); the runtime widens them to f32.
  const visionOutputs: IoSpec[] = [{ name: 'image_features', type: f, rank: 3 }];
  const l = m.image.layout;
  if (l.kind === 'anyres' && l.newline) visionOutputs.push({ name: 'image_newline', type: f, rank: 1 });
  return {
    vision: { inputs: [{ name: 'pixel_values', type: 'float32', rank: 4 }], outputs: visionOutputs },
    embed: {
      inputs: [{ name: 'input_ids', type: 'int64', rank: 2 }],
      outputs: [{ name: 'inputs_embeds', type: f, rank: 3 }],
    },
    decoder: {
      inputs: [
        { name: 'inputs_embeds', type: f, rank: 3 },
        { name: 'position_ids', type: 'int64', rank: posRank },
        ...layers.flatMap((i) => [
          { name: `past_key_values.${i}.key`, type: f, rank: 4 },
          { name: `past_key_values.${i}.value`, type: f, rank: 4 },
          { name: `key_bias.${i}`, type: f, rank: 4 },
        ]),
      ],
      outputs: [
        { name: 'logits', type: f, rank: 3 },
        ...layers.flatMap((i) => [
          { name: `present.${i}.key`, type: f, rank: 4 },
          { name: `present.${i}.value`, type: f, rank: 4 },
          { name: `queries.${i}`, type: f, rank: 4 },
        ]),
      ],
    },
  };
}

/** What onnxruntime says a session's inputs or outputs are (InferenceSession.ValueMetadata). */
export interface ValueMeta {
  name: string;
  isTensor: boolean;
  type?: string;
  shape?: ReadonlyArray<number | string>;
}

function compare(
  graph: string,
  side: 'input' | 'output',
  expected: IoSpec[],
  actual: readonly ValueMeta[],
): string[] {
  const errors: string[] = [];
  const byName = new Map(actual.map((a) => [a.name, a]));
  for (const e of expected) {
    const a = byName.get(e.name);
    if (!a) {
      errors.push(`${graph}: ${side} ${e.name} is missing`);
      continue;
    }
    if (!a.isTensor) {
      errors.push(`${graph}: ${side} ${e.name} is not a tensor`);
      continue;
    }
    if (a.type !== e.type) errors.push(`${graph}: ${side} ${e.name} has dtype ${a.type}, expected ${e.type}`);
    // An empty shape means the graph does not declare one; only a declared rank can be wrong.
    if (a.shape && a.shape.length > 0 && a.shape.length !== e.rank) {
      errors.push(`${graph}: ${side} ${e.name} has rank ${a.shape.length}, expected ${e.rank}`);
    }
  }
  if (side === 'input') {
    const known = new Set(expected.map((e) => e.name));
    for (const a of actual) if (!known.has(a.name)) errors.push(`${graph}: unexpected input ${a.name}`);
  }
  return errors;
}

export function checkGraphIo(
  graph: string,
  expected: GraphIo,
  inputs: readonly ValueMeta[],
  outputs: readonly ValueMeta[],
): string[] {
  return [
    ...compare(graph, 'input', expected.inputs, inputs),
    ...compare(graph, 'output', expected.outputs, outputs),
  ];
}
