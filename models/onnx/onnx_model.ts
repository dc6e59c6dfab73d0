/**
 * ONNX model messages as plain objects, serialised to the ONNX protobuf format.
 *
 * Field numbers are those of onnx/onnx.proto (IR version 8, opset 17 era).
 */
import { littleEndianBytes, ProtobufWriter } from "./protobuf_writer.ts";

/** ONNX TensorProto.DataType values used by this project. */
export const OnnxDataType = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
} as const;
export type OnnxElementType = keyof typeof OnnxDataType;

/** Data of a tensor held in the model file (initializer or attribute). */
export type TensorData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

export interface OnnxTensor {
  name: string;
  elementType: OnnxElementType;
  dims: readonly number[];
  data: TensorData;
}

/** A dimension is a fixed size or a symbolic name such as "batch". */
export type Dimension = number | string;

export interface OnnxValueInfo {
  name: string;
  elementType: OnnxElementType;
  dims: readonly Dimension[];
}

export type OnnxAttributeValue =
  | number
  | string
  | readonly number[]
  | { tensor: OnnxTensor }
  | { float: number };

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  domain?: string;
  attributes?: Record<string, OnnxAttributeValue>;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  graph: OnnxGraph;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  metadata?: Record<string, string>;
}

const IR_VERSION = 8;

// AttributeProto.AttributeType
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_STRING = 3;
const ATTRIBUTE_TENSOR = 4;
const ATTRIBUTE_INTS = 7;

/** Serialises a model to the bytes of a `.onnx` file. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const writer = new ProtobufWriter()
    .varint(1, IR_VERSION)
    .string(2, model.producerName)
    .string(3, model.producerVersion)
    .message(7, (graph) => writeGraph(graph, model.graph))
    .message(8, (opset) => opset.string(1, "").varint(2, model.opsetVersion));
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    writer.message(14, (entry) => entry.string(1, key).string(2, value));
  }
  return writer.finish();
}

function writeGraph(writer: ProtobufWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) writer.message(1, (w) => writeNode(w, node));
  writer.string(2, graph.name);
  for (const tensor of graph.initializers) {
    writer.message(5, (w) => writeTensor(w, tensor));
  }
  for (const input of graph.inputs) writer.message(11, (w) => writeValueInfo(w, input));
  for (const output of graph.outputs) {
    writer.message(12, (w) => writeValueInfo(w, output));
  }
}

function writeNode(writer: ProtobufWriter, node: OnnxNode): void {
  for (const input of node.inputs) writer.string(1, input);
  for (const output of node.outputs) writer.string(2, output);
  writer.string(3, node.name).string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) {
    writer.message(5, (w) => writeAttribute(w, name, value));
  }
  if (node.domain) writer.string(7, node.domain);
}

function writeAttribute(writer: ProtobufWriter, name: string, value: OnnxAttributeValue): void {
  writer.string(1, name);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      throw new Error(`attribute ${name}: use { float } for non-integer ${value}`);
    }
    writer.varint(3, value).varint(20, ATTRIBUTE_INT);
  } else if (typeof value === "string") {
    writer.string(4, value).varint(20, ATTRIBUTE_STRING);
  } else if (Array.isArray(value)) {
    writer.packedVarints(8, value as readonly number[]).varint(20, ATTRIBUTE_INTS);
  } else if ("tensor" in value) {
    writer.message(5, (w) => writeTensor(w, value.tensor)).varint(20, ATTRIBUTE_TENSOR);
  } else if ("float" in value) {
    writer.float32(2, value.float).varint(20, ATTRIBUTE_FLOAT);
  }
}

function writeTensor(writer: ProtobufWriter, tensor: OnnxTensor): void {
  const count = tensor.dims.reduce((a, b) => a * b, 1);
  if (count !== tensor.data.length) {
    throw new Error(
      `tensor ${tensor.name}: dims [${tensor.dims}] hold ${count} values, data has ${tensor.data.length}`,
    );
  }
  writer.packedVarints(1, tensor.dims).varint(2, OnnxDataType[tensor.elementType]);
  writer.string(8, tensor.name).bytes(9, littleEndianBytes(tensor.data));
}

function writeValueInfo(writer: ProtobufWriter, info: OnnxValueInfo): void {
  writer.string(1, info.name).message(
    2,
    (type) =>
      type.message(
        1,
        (tensorType) =>
          tensorType.varint(1, OnnxDataType[info.elementType]).message(2, (shape) => {
            for (const dim of info.dims) {
              shape.message(1, (d) => typeof dim === "number" ? d.varint(1, dim) : d.string(2, dim));
            }
          }),
      ),
  );
}
