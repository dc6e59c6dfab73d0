import assert from "node:assert/strict";
import { PrometheusRegistry } from "./prometheus.ts";

Deno.test("prometheus: counters, gauges and cumulative histograms in the text format", () => {
  const registry = new PrometheusRegistry();
  const requests = registry.counter("requests_total", "Requests.");
  requests.inc({ route: "/a", status: "200" });
  requests.inc({ status: "200", route: "/a" }, 2);
  requests.inc({ route: 'q"\\\n', status: "500" });
  let depth = 3;
  registry.gauge("queue_depth", "Queue depth.", () => depth);
  const latency = registry.histogram("latency_seconds", "Latency.", [0.1, 1]);
  for (const value of [0.05, 0.5, 0.5, 5]) latency.observe(value, { route: "/a" });
  depth = 4;
  assert.equal(
    registry.render(),
    [
      "# HELP requests_total Requests.",
      "# TYPE requests_total counter",
      'requests_total{route="/a",status="200"} 3',
      'requests_total{route="q\\"\\\\\\n",status="500"} 1',
      "# HELP queue_depth Queue depth.",
      "# TYPE queue_depth gauge",
      "queue_depth 4",
      "# HELP latency_seconds Latency.",
      "# TYPE latency_seconds histogram",
      'latency_seconds_bucket{route="/a",le="0.1"} 1',
      'latency_seconds_bucket{route="/a",le="1"} 3',
      'latency_seconds_bucket{route="/a",le="+Inf"} 4',
      'latency_seconds_sum{route="/a"} 6.05',
      'latency_seconds_count{route="/a"} 4',
      "",
    ].join("\n"),
  );
});
