/**
 * Writes a small model package that satisfies the manifest contract (docs/model-package.md): real
 * ONNX files built with onnx-proto carrying the contract's input and output names, a word-level
 * tokenizer.json, and a model.json with correct sha256 hashes. Tests break it on purpose to check
 * that every problem is reported.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const F32 = onnx.TensorProto.DataType.FLOAT;
const I64 = onnx.TensorProto.DataType.INT64;

function vi(name: string, elemType: number, dims: (number | string)[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

/** A graph whose outputs are Identity copies of its inputs, so it loads and has the given I/O. */
type ValueInfo = ReturnType<typeof vi>;

function passthroughModel(inputs: ValueInfo[], outputs: ValueInfo[]): Uint8Array {
  const node = outputs.map((o, i) => ({
    opType: 'Identity',
    input: [inputs[i % inputs.length].name!],
    output: [o.name!],
    name: `id${i}`,
  }));
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'vlcache-test-fixture',
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'fixture', node, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

export const FIXTURE_DIMS = { layers: 2, heads: 4, kvHeads: 2, headDim: 8, hidden: 32, vocabSize: 12 };

export function fixtureManifest(): Record<string, unknown> {
  return {
    format: 'vlcache-model/1',
    name: 'fixture-vlm',
    family: 'llava',
    ...FIXTURE_DIMS,
    maxPositions: 128,
    ioDtype: 'f32',
    kvDtype: 'f32',
    attention: { scale: 1 / Math.sqrt(FIXTURE_DIMS.headDim), slidingWindow: null, softcap: null },
    positionIds: '1d',
    logitsLastOnly: false,
    image: {
      resize: 'bilinear',
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      layout: { kind: 'fixed', size: 16, rows: 2, cols: 2 },
    },
    prompt: {
      template: 'USER: <image>\n{prompt} ASSISTANT:',
      imagePlaceholder: '<image>',
      promptPlaceholder: '{prompt}',
    },
    tokens: { bos: 1, eos: 2, pad: 0, image: 3, unk: 4 },
    files: {
      tokenizer: 'tokenizer.json',
      vision: 'vision.onnx',
      embed: 'embed.onnx',
      decoder: 'decoder.onnx',
    },
    hashes: {},
  };
}

export function writeFixtureModel(dir: string, mutate?: (manifest: Record<string, unknown>) => void): string {
  mkdirSync(dir, { recursive: true });
  const { layers, kvHeads, headDim, hidden } = FIXTURE_DIMS;
  const files: Record<string, Uint8Array | string> = {
    'vision.onnx': passthroughModel(
      [vi('pixel_values', F32, ['tiles', 3, 16, 16])],
      [vi('image_features', F32, ['tiles', 3, 16, 16])],
    ),
    'embed.onnx': passthroughModel([vi('input_ids', I64, [1, 'n'])], [vi('inputs_embeds', I64, [1, 'n'])]),
    'decoder.onnx': passthroughModel(
      [
        vi('inputs_embeds', F32, [1, 'n', hidden]),
        vi('position_ids', I64, [1, 'n']),
        ...Array.from({ length: layers }, (_, i) => [
          vi(`past_key_values.${i}.key`, F32, [1, kvHeads, `past_${i}`, headDim]),
          vi(`past_key_values.${i}.value`, F32, [1, kvHeads, `past_${i}`, headDim]),
          vi(`key_bias.${i}`, F32, [1, kvHeads, 1, `total_${i}`]),
        ]).flat(),
      ],
      [vi('logits', F32, [1, 'n', hidden])],
    ),
    'tokenizer.json': JSON.stringify({
      version: '1.0',
      added_tokens: [],
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: {
        type: 'WordLevel',
        vocab: {
          '<pad>': 0,
          '<s>': 1,
          '</s>': 2,
          '<image>': 3,
          '<unk>': 4,
          user: 5,
          assistant: 6,
          ':': 7,
          red: 8,
          blue: 9,
          what: 10,
          colour: 11,
        },
        unk_token: '<unk>',
      },
    }),
  };
  const manifest = fixtureManifest();
  const hashes: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) {
    writeFileSync(join(dir, name), data);
    hashes[name] = `sha256:${createHash('sha256').update(data).digest('hex')}`;
  }
  manifest.hashes = hashes;
  mutate?.(manifest);
  writeFileSync(join(dir, 'model.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
