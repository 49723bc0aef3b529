/**
 * A small builder for ONNX graphs as bytes, over onnx-proto's generated protobuf classes (pure
 * JavaScript, so it runs in the renderer's worker as well as in Node). It names intermediate values,
 * stores constants as raw little-endian initialisers and encodes a ModelProto; the probe and the
 * column-sum graphs are written with it.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const DT = {
  float: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
  uint8: onnx.TensorProto.DataType.UINT8,
} as const;
export type ElemType = (typeof DT)[keyof typeof DT];

/** A dimension: a fixed size or a symbolic name (dynamic axis). */
export type Dim = number | string;

type AttrValue =
  | { int: number }
  | { float: number }
  | { ints: number[] }
  | { string: string }
  /** A one-element tensor (ConstantOfShape's `value`). */
  | { scalar: { type: 'float' | 'int32'; value: number } };

/** opset 17: ReduceMax/ReduceSum-with-axes-input and ScatterElements' `reduction = add` are all there. */
export const OPSET = 17;

export class OnnxGraph {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private counter = 0;

  constructor(private readonly name: string) {}

  input(name: string, type: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` (a node output) as a graph output under its own name. */
  output(value: string, type: ElemType, dims: Dim[]): void {
    this.outputs.push(valueInfo(value, type, dims));
  }

  constF32(values: ArrayLike<number>, dims: number[]): string {
    const a = Float32Array.from(values);
    return this.constant(DT.float, dims, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }

  constI64(values: ArrayLike<number>, dims: number[]): string {
    const a = BigInt64Array.from(Array.from(values, (v) => BigInt(v)));
    return this.constant(DT.int64, dims, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }

  constI32(values: ArrayLike<number>, dims: number[]): string {
    const a = Int32Array.from(values);
    return this.constant(DT.int32, dims, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  }

  /** Adds one node and returns its (first) output's name; `out` names it explicitly. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, out?: string): string {
    const output = out ?? this.fresh(opType);
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [output],
        name: `${opType}_${this.counter++}`,
        attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
      }),
    );
    return output;
  }

  encode(producer: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: producer,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private constant(dataType: number, dims: number[], rawData: Uint8Array): string {
    const name = this.fresh('const');
    // Copy: the typed array views above may share a buffer that protobufjs would otherwise alias.
    this.initializers.push(onnx.TensorProto.create({ name, dataType, dims, rawData: rawData.slice() }));
    return name;
  }

  private fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }
}

function valueInfo(name: string, elemType: ElemType, dims: Dim[]) {
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

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in v) return onnx.AttributeProto.create({ name, type: T.INT, i: v.int });
  if ('float' in v) return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  if ('ints' in v) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v.ints });
  if ('string' in v)
    return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v.string) });
  const a = v.scalar.type === 'float' ? Float32Array.of(v.scalar.value) : Int32Array.of(v.scalar.value);
  const t = onnx.TensorProto.create({
    dataType: v.scalar.type === 'float' ? DT.float : DT.int32,
    dims: [1],
    rawData: new Uint8Array(a.buffer),
  });
  return onnx.AttributeProto.create({ name, type: T.TENSOR, t });
}
