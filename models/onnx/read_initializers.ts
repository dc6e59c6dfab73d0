/**
 * Reads the float32 initializers (the weights) of an ONNX model file, so that the trainer
 * can start from any version in a model folder without a second copy of the weights.
 */
import { readFields, readPackedVarints } from "./protobuf_reader.ts";
import { OnnxDataType } from "./onnx_model.ts";

export interface FloatInitializer {
  dims: number[];
  data: Float32Array;
}

/** name → float32 initializer. Tensors of other types and external data are skipped. */
export function readFloatInitializers(modelBytes: Uint8Array): Map<string, FloatInitializer> {
  const result = new Map<string, FloatInitializer>();
  for (const modelField of readFields(modelBytes)) {
    if (modelField.field !== 7) continue; // ModelProto.graph
    for (const graphField of readFields(modelField.bytes)) {
      if (graphField.field !== 5) continue; // GraphProto.initializer
      const tensor = readTensor(graphField.bytes);
      if (tensor) result.set(tensor.name, { dims: tensor.dims, data: tensor.data });
    }
  }
  return result;
}

function readTensor(bytes: Uint8Array): (FloatInitializer & { name: string }) | undefined {
  let name = "";
  let dataType = 0;
  const dims: number[] = [];
  let raw: Uint8Array | undefined;
  let floats: Uint8Array | undefined;
  for (const f of readFields(bytes)) {
    if (f.field === 1) {
      if (f.wireType === 2) dims.push(...readPackedVarints(f.bytes).map(Number));
      else dims.push(Number(f.value));
    } else if (f.field === 2) dataType = Number(f.value);
    else if (f.field === 8) name = new TextDecoder().decode(f.bytes);
    else if (f.field === 9) raw = f.bytes;
    else if (f.field === 4 && f.wireType === 2) floats = f.bytes;
  }
  const payload = raw ?? floats;
  if (dataType !== OnnxDataType.float32 || !payload) return undefined;
  // Copy: the payload may not be 4-byte aligned inside the file buffer.
  const data = new Float32Array(payload.slice().buffer);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
  }
  return { name, dims, data };
}
