/**
 * Removes graph outputs from an ONNX model file, with the nodes that only computed them. The
 * decoder session uses it to drop `present.*` when the graph also outputs `new_key_values.*`:
 * onnxruntime runs every node of a graph whatever is fetched, and each present output is an
 * Identity copy of the whole KV cache, made at every decode step for nothing.
 *
 * Works on the wire format: every other field is copied as it is.
 *
 * @module
 */
import { type ProtobufField, readFields } from "./protobuf_reader.ts";
import { ProtobufWriter } from "./protobuf_writer.ts";

// Field numbers of onnx.proto.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const VALUE_INFO_NAME = 1;
const TENSOR_DATA_LOCATION = 14;
const EXTERNAL = 1n;

const decoder = new TextDecoder();

/** The string values of field `field` of a message. */
function strings(message: Uint8Array, field: number): string[] {
  const values: string[] = [];
  for (const f of readFields(message)) if (f.field === field) values.push(decoder.decode(f.bytes));
  return values;
}

/** Names of the graph outputs of a model file, in order. */
export function graphOutputNames(model: Uint8Array): string[] {
  const names: string[] = [];
  for (const modelField of readFields(model)) {
    if (modelField.field !== MODEL_GRAPH) continue;
    for (const graphField of readFields(modelField.bytes)) {
      if (graphField.field === GRAPH_OUTPUT) names.push(strings(graphField.bytes, VALUE_INFO_NAME)[0] ?? "");
    }
  }
  return names;
}

/** True when some initializer keeps its data in an external file (the model then loads from its path). */
export function usesExternalData(model: Uint8Array): boolean {
  for (const modelField of readFields(model)) {
    if (modelField.field !== MODEL_GRAPH) continue;
    for (const graphField of readFields(modelField.bytes)) {
      if (graphField.field !== GRAPH_INITIALIZER) continue;
      for (const f of readFields(graphField.bytes)) {
        if (f.field === TENSOR_DATA_LOCATION && f.value === EXTERNAL) return true;
      }
    }
  }
  return false;
}

/**
 * The model without the graph outputs that `drop` selects, and without the nodes all of whose
 * outputs are among them and feed no other node (the Identity nodes that exposed them).
 *
 * @example
 * ```ts ignore
 * const decode = dropOutputs(bytes, (name) => name.startsWith("present."));
 * ```
 */
export function dropOutputs(model: Uint8Array, drop: (name: string) => boolean): Uint8Array {
  const writer = new ProtobufWriter();
  for (const modelField of readFields(model)) {
    if (modelField.field !== MODEL_GRAPH) {
      copyField(writer, modelField);
      continue;
    }
    const consumed = new Set<string>();
    for (const graphField of readFields(modelField.bytes)) {
      if (graphField.field === GRAPH_NODE) {
        for (const name of strings(graphField.bytes, NODE_INPUT)) consumed.add(name);
      }
    }
    const graph = new ProtobufWriter();
    for (const graphField of readFields(modelField.bytes)) {
      if (graphField.field === GRAPH_OUTPUT && drop(strings(graphField.bytes, VALUE_INFO_NAME)[0] ?? "")) {
        continue;
      }
      if (graphField.field === GRAPH_NODE) {
        const outputs = strings(graphField.bytes, NODE_OUTPUT);
        if (outputs.length > 0 && outputs.every((name) => drop(name) && !consumed.has(name))) continue;
      }
      copyField(graph, graphField);
    }
    writer.bytes(MODEL_GRAPH, graph.finish());
  }
  return writer.finish();
}

function copyField(writer: ProtobufWriter, field: ProtobufField): void {
  if (field.wireType === 0) writer.varint(field.field, field.value);
  else if (field.wireType === 2) writer.bytes(field.field, field.bytes);
  else throw new Error(`unexpected fixed-width field ${field.field} in a model or graph message`);
}
