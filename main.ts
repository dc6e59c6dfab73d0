/**
 * Composition root: reads the config, loads the served model and starts the HTTP server.
 */
import { join } from "node:path";
import { z } from "zod";
import { DecoderSession } from "./models/decoder_session.ts";
import { createApp } from "./routes/app.ts";

const DEFAULT_MODEL_PATH = join(import.meta.dirname!, "models", "default");

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  MODEL_PATH: z.string().min(1).default(DEFAULT_MODEL_PATH),
});

const parsed = ConfigSchema.safeParse(Deno.env.toObject());
if (!parsed.success) {
  for (const issue of parsed.error.issues) console.error(`config: ${issue.path.join(".")}: ${issue.message}`);
  Deno.exit(1);
}
const config = parsed.data;

const session = await DecoderSession.load(join(config.MODEL_PATH, "onnx", "model.onnx"));
const { layerCount, kvHeads, headDim, vocabSize } = session.layout;
console.log(`model: ${config.MODEL_PATH} (${layerCount} layers, ${kvHeads}×${headDim} heads, vocab ${vocabSize})`);

const app = createApp([{ id: "default", created: Math.floor(Date.now() / 1000) }]);
Deno.serve({ hostname: config.HOST, port: config.PORT }, app.fetch);
