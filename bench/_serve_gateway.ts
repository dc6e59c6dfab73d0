/**
 * Bench support: the gateway as `deno task start` runs it (`main.ts` in a subprocess, on a free
 * loopback port, with a clean environment), so that client and server do not share an event loop.
 * Its data folder (model registry) is a temporary directory, removed when it closes.
 *
 * @module
 */
import { join } from "node:path";

/** A running `main.ts`. */
export interface GatewayProcess {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  /** SIGTERM (graceful shutdown), then waits for exit 0. */
  close(): Promise<void>;
}

const ROOT = join(import.meta.dirname!, "..");

/** Starts `main.ts` with `env` (plus PORT=0, HOST=127.0.0.1) and waits for its `listening on` line. */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const passThrough = ["PATH", "HOME", "DENO_DIR", "TMPDIR", "XDG_CACHE_HOME"]
    .filter((key) => Deno.env.get(key) !== undefined)
    .map((key) => [key, Deno.env.get(key)!]);
  const dataDir = await Deno.makeTempDir({ prefix: "serve_bench_data_" });
  const removeDataDir = () => Deno.remove(dataDir, { recursive: true }).catch(() => {});
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      "main.ts",
    ],
    cwd: ROOT,
    clearEnv: true,
    env: { ...Object.fromEntries(passThrough), DATA_DIR: dataDir, ...env, PORT: "0", HOST: "127.0.0.1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  let announce: ((origin: string) => void) | undefined;
  const listening = new Promise<string>((resolve) => announce = resolve);
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      log += text;
      const match = log.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (match) announce?.(match[1]);
    }
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const origin = await Promise.race([
    listening,
    child.status.then((status) => Promise.reject(new Error(`main.ts exited (${status.code}):\n${log}`))),
    new Promise<never>((_, reject) =>
      timer = setTimeout(() => reject(new Error(`main.ts did not start within 60 s:\n${log}`)), 60_000)
    ),
  ]).catch(async (error) => {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await drained;
    await removeDataDir();
    throw error;
  });
  clearTimeout(timer);
  // A failed check ends the bench with an uncaught error: stop the server too (it would outlive us)
  // and show what it printed.
  const stopOnFailure = () => {
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    console.error(`main.ts output:\n${log}`);
  };
  for (const type of ["error", "unhandledrejection"]) globalThis.addEventListener(type, stopOnFailure);
  return {
    origin,
    async close() {
      for (const type of ["error", "unhandledrejection"]) {
        globalThis.removeEventListener(type, stopOnFailure);
      }
      child.kill("SIGTERM");
      const status = await child.status;
      await drained;
      await removeDataDir();
      if (status.code !== 0) throw new Error(`main.ts exited with ${status.code}:\n${log}`);
    },
  };
}
