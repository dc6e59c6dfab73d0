import assert from "node:assert/strict";
import { EMBEDDED_MODEL_PATH, isLoopback, loadConfig } from "./config.ts";

Deno.test("config: defaults serve the embedded model on loopback without keys", async () => {
  const result = await loadConfig({});
  assert.ok(result.ok);
  assert.equal(result.config.port, 8080);
  assert.equal(result.config.host, "127.0.0.1");
  assert.deepEqual(result.config.models, [{ name: "default", path: EMBEDDED_MODEL_PATH }]);
  assert.deepEqual(result.config.apiKeys, []);
  assert.deepEqual(result.config.defaults, { maxTokens: undefined, temperature: undefined, topP: undefined });
});

Deno.test("config: MODEL_PATH as one folder or as name=path pairs", async () => {
  const one = await loadConfig({ MODEL_PATH: "/srv/model" });
  assert.ok(one.ok);
  assert.deepEqual(one.config.models, [{ name: "default", path: "/srv/model" }]);
  const two = await loadConfig({ MODEL_PATH: "small=/m/a, big=/m/b" });
  assert.ok(two.ok);
  assert.deepEqual(two.config.models, [{ name: "small", path: "/m/a" }, { name: "big", path: "/m/b" }]);
  const repeated = await loadConfig({ MODEL_PATH: "a=/x,a=/y" });
  assert.ok(!repeated.ok);
  assert.match(repeated.problems[0], /^MODEL_PATH: model name "a" appears twice/);
});

Deno.test("config: PREFIX_CACHE_MB is a non-negative size (0 turns prefix caching off)", async () => {
  const defaults = await loadConfig({});
  assert.ok(defaults.ok && defaults.config.prefixCacheMegabytes === 128);
  const off = await loadConfig({ PREFIX_CACHE_MB: "0" });
  assert.ok(off.ok && off.config.prefixCacheMegabytes === 0);
  const negative = await loadConfig({ PREFIX_CACHE_MB: "-1" });
  assert.ok(!negative.ok);
  assert.match(negative.problems[0], /^PREFIX_CACHE_MB:/);
});

Deno.test("config: every bad value is one line naming its key", async () => {
  const result = await loadConfig({ PORT: "http", MAX_BATCH_SIZE: "0", DEFAULT_TEMPERATURE: "9" });
  assert.ok(!result.ok);
  assert.equal(result.problems.length, 3);
  assert.deepEqual(result.problems.map((p) => p.split(":")[0]), [
    "PORT",
    "MAX_BATCH_SIZE",
    "DEFAULT_TEMPERATURE",
  ]);
  for (const line of result.problems) assert.ok(!line.includes("\n"));
});

Deno.test("config: a non-loopback HOST needs API_KEYS unless AUTH_DISABLED", async () => {
  const open = await loadConfig({ HOST: "0.0.0.0" });
  assert.ok(!open.ok);
  assert.match(open.problems[0], /^API_KEYS: required when HOST \(0\.0\.0\.0\)/);
  const keyed = await loadConfig({ HOST: "0.0.0.0", API_KEYS: "k1, k2" });
  assert.ok(keyed.ok);
  assert.deepEqual(keyed.config.apiKeys, ["k1", "k2"]);
  const disabled = await loadConfig({ HOST: "0.0.0.0", AUTH_DISABLED: "true" });
  assert.ok(disabled.ok);
  assert.deepEqual(disabled.config.apiKeys, []);
  assert.ok(
    isLoopback("localhost") && isLoopback("[::1]") && isLoopback("127.1.2.3") && !isLoopback("10.0.0.1"),
  );
});

Deno.test("config: CONFIG_FILE supplies values and the environment wins", async () => {
  const files: Record<string, string> = {
    "/etc/gw.json": JSON.stringify({ PORT: 9000, HOST: "127.0.0.2", API_KEYS: ["a", "b"], MAX_WAITING: 3 }),
    "/etc/typo.json": JSON.stringify({ PROT: 1 }),
    "/etc/list.json": "[1]",
  };
  const read = (path: string) =>
    path in files ? Promise.resolve(files[path]) : Promise.reject(new Error("no file"));
  const result = await loadConfig({ CONFIG_FILE: "/etc/gw.json", PORT: "9001" }, read);
  assert.ok(result.ok);
  assert.equal(result.config.port, 9001);
  assert.equal(result.config.host, "127.0.0.2");
  assert.deepEqual(result.config.apiKeys, ["a", "b"]);
  assert.equal(result.config.maxWaiting, 3);
  const typo = await loadConfig({ CONFIG_FILE: "/etc/typo.json" }, read);
  assert.ok(!typo.ok);
  assert.match(typo.problems[0], /unknown key\(s\) PROT/);
  const list = await loadConfig({ CONFIG_FILE: "/etc/list.json" }, read);
  assert.ok(!list.ok);
  const missing = await loadConfig({ CONFIG_FILE: "/etc/none.json" }, read);
  assert.ok(!missing.ok);
  assert.match(missing.problems[0], /^CONFIG_FILE: cannot read \/etc\/none\.json/);
});

Deno.test("config: ALIGNMENT_DEFAULT is a validated alignment spec (JSON in the environment)", async () => {
  const result = await loadConfig({ ALIGNMENT_DEFAULT: '{"criteria":{"length":1},"aligner":"best_of_n"}' });
  assert.ok(result.ok);
  assert.deepEqual(result.config.defaultAlignment, { criteria: { length: 1 }, aligner: "best_of_n" });
  const none = await loadConfig({});
  assert.ok(none.ok && none.config.defaultAlignment === undefined);
  const bad = await loadConfig({ ALIGNMENT_DEFAULT: "{nope" });
  assert.ok(!bad.ok);
  assert.match(bad.problems[0], /^ALIGNMENT_DEFAULT: not JSON/);
  const wrong = await loadConfig({ ALIGNMENT_DEFAULT: '{"criteria":{"length":1},"n":0}' });
  assert.ok(!wrong.ok);
  assert.match(wrong.problems[0], /^ALIGNMENT_DEFAULT/);
});

Deno.test("config: the admin API, data dir and refresh schedule", async () => {
  const defaults = await loadConfig({});
  assert.ok(defaults.ok);
  assert.equal(defaults.config.adminToken, undefined);
  assert.equal(defaults.config.dataDir, "data");
  assert.equal(defaults.config.trainerThreads, 1);
  assert.equal(defaults.config.refresh, undefined);

  const scheduled = await loadConfig({
    ADMIN_TOKEN: "0123456789abcdef",
    REFRESH_EVERY_MINUTES: "1440",
    REFRESH_JOB: '{"training":{"steps":5}}',
  });
  assert.ok(scheduled.ok);
  assert.deepEqual(scheduled.config.refresh, { everyMinutes: 1440, job: { training: { steps: 5 } } });

  const problems = await loadConfig({ ADMIN_TOKEN: "short", REFRESH_JOB: "[1]" });
  assert.ok(!problems.ok);
  assert.ok(problems.problems.includes("ADMIN_TOKEN: must be at least 16 characters")); // never echoed
  assert.ok(problems.problems.some((p) => /^REFRESH_JOB: must be a JSON object/.test(p)));
  const orphan = await loadConfig({ REFRESH_EVERY_MINUTES: "60" });
  assert.ok(!orphan.ok);
  assert.match(orphan.problems[0], /^REFRESH_EVERY_MINUTES: needs ADMIN_TOKEN/);
});
