/**
 * A small Prometheus registry: counters, gauges and histograms with labels, rendered in the
 * text exposition format (version 0.0.4) for `/metrics`.
 *
 * @module
 */

type Labels = Record<string, string>;

interface Series<T> {
  labels: Labels;
  value: T;
}

abstract class Metric<T> {
  protected readonly series = new Map<string, Series<T>>();
  constructor(readonly name: string, readonly help: string, readonly type: string) {}

  protected at(labels: Labels, initial: () => T): Series<T> {
    const key = JSON.stringify(Object.entries(labels).sort());
    let entry = this.series.get(key);
    if (entry === undefined) this.series.set(key, entry = { labels, value: initial() });
    return entry;
  }

  /** The metric's lines, HELP and TYPE first. */
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()];
  }

  protected abstract samples(): string[];
}

/** A monotonically increasing count (kept here, or read from elsewhere at each scrape). */
export class Counter extends Metric<number> {
  constructor(name: string, help: string, private readonly read?: () => number) {
    super(name, help, "counter");
  }
  /** Adds `amount` (default 1) to the series with these labels. */
  inc(labels: Labels = {}, amount = 1): void {
    this.at(labels, () => 0).value += amount;
  }
  protected samples(): string[] {
    if (this.read !== undefined) this.at({}, () => 0).value = this.read();
    return [...this.series.values()].map((s) =>
      `${this.name}${formatLabels(s.labels)} ${formatNumber(s.value)}`
    );
  }
}

/** A value read when scraped. */
export class Gauge extends Metric<number> {
  constructor(name: string, help: string, private readonly read?: () => number) {
    super(name, help, "gauge");
  }
  /** Sets the series with these labels. */
  set(value: number, labels: Labels = {}): void {
    this.at(labels, () => 0).value = value;
  }
  protected samples(): string[] {
    if (this.read !== undefined) this.set(this.read());
    return [...this.series.values()].map((s) =>
      `${this.name}${formatLabels(s.labels)} ${formatNumber(s.value)}`
    );
  }
}

interface Buckets {
  counts: number[];
  sum: number;
  count: number;
}

/** Observations in cumulative buckets (upper bounds in the metric's unit). */
export class Histogram extends Metric<Buckets> {
  constructor(name: string, help: string, private readonly bounds: readonly number[]) {
    super(name, help, "histogram");
  }
  /** Records one observation. */
  observe(value: number, labels: Labels = {}): void {
    const buckets = this.at(labels, () => ({ counts: this.bounds.map(() => 0), sum: 0, count: 0 })).value;
    this.bounds.forEach((bound, i) => {
      if (value <= bound) buckets.counts[i]++;
    });
    buckets.sum += value;
    buckets.count++;
  }
  protected samples(): string[] {
    return [...this.series.values()].flatMap(({ labels, value }) => [
      ...this.bounds.map((bound, i) =>
        `${this.name}_bucket${formatLabels({ ...labels, le: formatNumber(bound) })} ${value.counts[i]}`
      ),
      `${this.name}_bucket${formatLabels({ ...labels, le: "+Inf" })} ${value.count}`,
      `${this.name}_sum${formatLabels(labels)} ${formatNumber(value.sum)}`,
      `${this.name}_count${formatLabels(labels)} ${value.count}`,
    ]);
  }
}

/**
 * Holds metrics and renders them all.
 *
 * @example
 * ```ts
 * import { PrometheusRegistry } from "./prometheus.ts";
 * const registry = new PrometheusRegistry();
 * registry.counter("http_requests_total", "Requests.").inc({ route: "/v1/models", status: "200" });
 * if (!registry.render().includes('http_requests_total{route="/v1/models",status="200"} 1\n')) throw new Error();
 * ```
 */
export class PrometheusRegistry {
  private readonly metrics: { render(): string[] }[] = [];

  /** Registers a counter; with `read`, its unlabelled value is read at each scrape. */
  counter(name: string, help: string, read?: () => number): Counter {
    return this.add(new Counter(name, help, read));
  }
  /** Registers a gauge; with `read`, its unlabelled value is read at each scrape. */
  gauge(name: string, help: string, read?: () => number): Gauge {
    return this.add(new Gauge(name, help, read));
  }
  /** Registers a histogram with these bucket upper bounds. */
  histogram(name: string, help: string, bounds: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, bounds));
  }
  /** The text exposition of every metric. */
  render(): string {
    return this.metrics.flatMap((m) => m.render()).join("\n") + "\n";
  }
  private add<M extends { render(): string[] }>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
}

/** Content-Type of the text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
  return `{${entries.map(([k, v]) => `${k}="${escape(v)}"`).join(",")}}`;
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}
