/**
 * `deno run -A trainer/default_model/reexport_graph.ts [folder]`: rewrites a project model folder's
 * `onnx/model.onnx` from the weights it already holds, with the current graph builder. Used after a
 * change to the inference graph (new outputs, faster ops) so the shipped model needs no retraining.
 * The weights are read back and checked to be identical before the file is replaced atomically.
 */
import { join } from "node:path";
import { buildInferenceGraph } from "../../models/gpt/inference_graph.ts";
import { readGptModelFolder } from "../../models/gpt/model_folder.ts";
import { writeFileAtomic } from "../../models/io/atomic_write.ts";
import { encodeOnnxModel } from "../../models/onnx/onnx_model.ts";
import { readFloatInitializers } from "../../models/onnx/read_initializers.ts";

export async function reexportGraph(folder: string): Promise<void> {
  const { config, parameters } = await readGptModelFolder(folder);
  const bytes = encodeOnnxModel(buildInferenceGraph(config, parameters));
  const written = readFloatInitializers(bytes);
  for (const [name, values] of parameters) {
    const copy = written.get(name)?.data;
    if (!copy || copy.length !== values.length || copy.some((v, i) => v !== values[i])) {
      throw new Error(`${name} changed on re-export`);
    }
  }
  await writeFileAtomic(join(folder, "onnx", "model.onnx"), bytes);
}

if (import.meta.main) {
  const folder = Deno.args[0] ?? "models/default";
  await reexportGraph(folder);
  console.log(`rewrote ${folder}/onnx/model.onnx`);
}
