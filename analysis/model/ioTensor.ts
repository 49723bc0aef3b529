/**
 * Tensors at the package's I/O dtype (`ioDtype`, docs/model-package.md): the runtime computes in f32
 * and converts at the ONNX boundary, so an f16 export (a 7B model's weights and cache at half the
 * memory) runs through the same code as an f32 one.
 */
import * as ort from 'onnxruntime-node';
import { f16ToF32Array, f32ToF16Array } from '../session/float16';
import type { ModelManifest } from './manifest';

/** An f32 array as an input tensor of the package's I/O dtype. */
export function ioTensor(m: ModelManifest, data: Float32Array, dims: number[]): ort.Tensor {
  return m.ioDtype === 'f16'
    ? new ort.Tensor('float16', f32ToF16Array(data), dims)
    : new ort.Tensor('float32', data, dims);
}

/** An output tensor's data as f32 (f16 outputs are widened). */
export function f32Data(t: ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    const d = t.data;
    // onnxruntime-node hands float16 back as Uint16Array bits (or Float16Array where the runtime has it).
    if (d instanceof Uint16Array) return f16ToF32Array(d);
    return Float32Array.from(d as ArrayLike<number>);
  }
  throw new Error(`expected a float32 or float16 output, got ${t.type}`);
}
