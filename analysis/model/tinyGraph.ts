/**
 * A one-node ONNX model (Y = X + X over f32 [2]) used to find out whether an execution provider can
 * actually create a session and run on this machine. Built in memory so the probe needs no file.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export function tinyAddModel(): Uint8Array {
  const floatTensor = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: [{ dimValue: 2 }] },
        },
      },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'vlcache-provider-probe',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'probe',
      node: [{ opType: 'Add', input: ['X', 'X'], output: ['Y'], name: 'add' }],
      input: [floatTensor('X')],
      output: [floatTensor('Y')],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
