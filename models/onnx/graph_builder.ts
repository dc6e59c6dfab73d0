/**
 * A small builder for ONNX graphs (opset 17): named values are strings, each
 * helper appends one node and returns the name of its output.
 *
 * @example
 * ```ts
 * import { GraphBuilder } from "./graph_builder.ts";
 * const g = new GraphBuilder("double", "float32");
 * const x = g.input("x", "float32", ["n"]);
 * g.output("y", g.add(x, x), "float32", ["n"]);
 * const model = g.build();
 * ```
 */
import {
  type Dimension,
  type OnnxAttributeValue,
  OnnxDataType,
  type OnnxElementType,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  type TensorData,
} from "./onnx_model.ts";

export const OPSET_VERSION = 17;

/** The floating-point type a graph computes in (float64 for gradient checks). */
export type FloatType = "float32" | "float64";

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  readonly inputs: OnnxValueInfo[] = [];
  readonly outputs: OnnxValueInfo[] = [];
  #counter = 0;
  #scope: string[] = [];
  #constants = new Map<string, string>();

  constructor(readonly name: string, readonly floatType: FloatType) {}

  /** Names nodes created inside `body` under `scope` (for readable graphs). */
  scoped<T>(scope: string, body: () => T): T {
    this.#scope.push(scope);
    try {
      return body();
    } finally {
      this.#scope.pop();
    }
  }

  #freshName(hint: string): string {
    const prefix = this.#scope.length > 0 ? `/${this.#scope.join("/")}/` : "/";
    return `${prefix}${hint}_${this.#counter++}`;
  }

  input(name: string, elementType: OnnxElementType, dims: readonly Dimension[]): string {
    this.inputs.push({ name, elementType, dims });
    return name;
  }

  /** Declares `source` as graph output `name` (through an Identity when the names differ). */
  output(
    name: string,
    source: string,
    elementType: OnnxElementType,
    dims: readonly Dimension[],
  ): void {
    if (source !== name) {
      this.nodes.push({ opType: "Identity", inputs: [source], outputs: [name], name: `/${name}` });
    }
    this.outputs.push({ name, elementType, dims });
  }

  initializer(
    name: string,
    elementType: OnnxElementType,
    dims: readonly number[],
    data: TensorData,
  ): string {
    this.initializers.push({ name, elementType, dims, data });
    return name;
  }

  /** An int64 constant, shared between uses. A scalar when `dims` is []. */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims}:${values}`;
    let name = this.#constants.get(key);
    if (!name) {
      name = this.initializer(
        this.#freshName("const_i64"),
        "int64",
        dims,
        BigInt64Array.from(values, (v) => BigInt(v)),
      );
      this.#constants.set(key, name);
    }
    return name;
  }

  /** A constant in the graph's float type, shared between uses. A scalar by default. */
  float(values: number | readonly number[], dims?: readonly number[]): string {
    const list = typeof values === "number" ? [values] : values;
    const shape = dims ?? (typeof values === "number" ? [] : [list.length]);
    const key = `f:${shape}:${list}`;
    let name = this.#constants.get(key);
    if (!name) {
      const data = this.floatType === "float32" ? Float32Array.from(list) : Float64Array.from(list);
      name = this.initializer(this.#freshName("const_f"), this.floatType, shape, data);
      this.#constants.set(key, name);
    }
    return name;
  }

  /** Appends a node with one output and returns that output's name. */
  op(opType: string, inputs: readonly string[], attributes?: Record<string, OnnxAttributeValue>): string {
    return this.opMulti(opType, inputs, 1, attributes)[0];
  }

  /** Appends a node with `outputCount` outputs. */
  opMulti(
    opType: string,
    inputs: readonly string[],
    outputCount: number,
    attributes?: Record<string, OnnxAttributeValue>,
  ): string[] {
    const name = this.#freshName(opType);
    const outputs = Array.from({ length: outputCount }, (_, i) => `${name}:${i}`);
    this.nodes.push({ opType, inputs, outputs, name, attributes });
    return outputs;
  }

  // Elementwise and shape helpers: one node each, named after the ONNX op.
  add(a: string, b: string): string {
    return this.op("Add", [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op("Sub", [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op("Mul", [a, b]);
  }
  div(a: string, b: string): string {
    return this.op("Div", [a, b]);
  }
  matMul(a: string, b: string): string {
    return this.op("MatMul", [a, b]);
  }
  /** Reshape; 0 copies the input's dimension, -1 is inferred. */
  reshape(x: string, shape: readonly number[]): string {
    return this.op("Reshape", [x, this.int64(shape)]);
  }
  transpose(x: string, perm: readonly number[]): string {
    return this.op("Transpose", [x], { perm });
  }
  reduceSum(x: string, axes: readonly number[], keepDims: boolean): string {
    return this.op("ReduceSum", [x, this.int64(axes)], { keepdims: keepDims ? 1 : 0 });
  }
  reduceMean(x: string, axes: readonly number[], keepDims: boolean): string {
    return this.op("ReduceMean", [x], { axes, keepdims: keepDims ? 1 : 0 });
  }
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.op("Unsqueeze", [x, this.int64(axes)]);
  }
  cast(x: string, to: OnnxElementType): string {
    return this.op("Cast", [x], { to: OnnxDataType[to] });
  }
  /** Cast to the graph's float type. */
  castFloat(x: string): string {
    return this.cast(x, this.floatType);
  }

  build(metadata: Record<string, string> = {}): OnnxModel {
    return {
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
      opsetVersion: OPSET_VERSION,
      producerName: "iama-gateway",
      producerVersion: "0.1.0",
      metadata,
    };
  }
}
