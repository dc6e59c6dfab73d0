/**
 * Test support: `main.ts` run as a real process, its listening address read from its log.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-ffi",
  "--allow-sys",
];

/** A running `main.ts` process. */
export interface Running {
  process: Deno.ChildProcess;
  /** Resolves with `http://127.0.0.1:PORT` once the server listens. */
  origin: Promise<string>;
  output: () => string;
  exited: Promise<Deno.CommandStatus>;
}

/**
 * Starts `main.ts` with exactly `env` as its environment, plus a fresh temporary `DATA_DIR` (registry,
 * jobs) unless `env` names one.
 */
export function runMain(env: Record<string, string>): Running {
  const dataDir = env.DATA_DIR ?? Deno.makeTempDirSync({ prefix: "gateway_data_" });
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSIONS, "main.ts"],
    cwd: ROOT,
    env: { DATA_DIR: dataDir, ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  let announce: (origin: string) => void;
  const origin = new Promise<string>((resolve) => announce = resolve);
  const read = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      output += text;
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (match) announce(match[1]);
    }
  };
  const reading = Promise.all([read(process.stdout), read(process.stderr)]);
  const exited = reading.then(() => process.status);
  return { process, origin, output: () => output, exited };
}
