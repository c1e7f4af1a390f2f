// Prometheus metrics of one instance, on prom-client: the process (CPU, memory, event loop), every
// request by route template and status class with its latency, and what each module adds (pool
// and queue gauges read at scrape time, batch sizes). METRICS=false turns request timing off
// (npm run bench:ab measures the difference).
//
// Request latencies are kept by hand, in one array of bucket counts per series, and handed to
// prom-client's registry at scrape time: a labelled prom-client child hashes its labels on every
// observe (~0.7 us here, beside 10-12 ns for the array-backed series), and the hot path answers
// in about 60 us of CPU. The exposition is prom-client's own (test/kernel/unit/metrics.test.ts
// checks it is the same text a prom-client Histogram writes for the same observations).
import client from 'prom-client';

/** Times the requests of one route: status class from the status line, duration in ms. */
export interface RouteTimer {
  observe(status: string, ms: number): void;
}

// Latency buckets in seconds: the hot path answers in about a millisecond, the official test's
// threshold is 250 ms.
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

type RequestLabels = { method: string; route: string; status_class: string };

/** One series of the request histogram: its labels, cumulative-ready bucket counts, sum, count. */
class LatencySeries {
  readonly counts = new Float64Array(LATENCY_BUCKETS.length);
  sum = 0;
  count = 0;

  constructor(readonly labels: RequestLabels) {}

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
      if (seconds <= LATENCY_BUCKETS[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

class ClassedRouteTimer implements RouteTimer {
  constructor(private readonly byClass: readonly LatencySeries[]) {}

  observe(status: string, ms: number): void {
    // '1'..'5' -> 0..4: the class is the status line's first digit.
    this.byClass[status.charCodeAt(0) - 49]?.observe(ms / 1000);
  }
}

/**
 * The request histogram as prom-client's registry reads a metric (name, help, type, get()): its
 * values come from the LatencySeries, read when scraped.
 */
export class SeriesHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series: LatencySeries[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    registry: client.Registry,
  ) {
    registry.registerMetric(this as unknown as client.Metric);
  }

  /** A new series; observations on it appear at the next scrape (series never observed do not). */
  newSeries(labels: RequestLabels): LatencySeries {
    const series = new LatencySeries(labels);
    this.series.push(series);
    return series;
  }

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] }> {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const series of this.series) {
      if (series.count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        cumulative += series.counts[i]!;
        values.push({ labels: { le: LATENCY_BUCKETS[i]!, ...series.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { le: '+Inf', ...series.labels }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Registry.resetMetrics(): forget every observation. */
  reset(): void {
    for (const series of this.series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

export class Metrics {
  readonly registry = new client.Registry();
  private readonly requestSeconds: SeriesHistogram;

  /** `timeRequests`: observe every request (METRICS); the other metrics are collected anyway. */
  constructor(private readonly timeRequests: boolean) {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'crebitos_' });
    this.requestSeconds = new SeriesHistogram(
      'crebitos_http_request_duration_seconds',
      'Requests answered, by route template and status class, with their latency (from routing to the corked write).',
      this.registry,
    );
  }

  /** The timer of one route, or undefined when requests are not timed. */
  routeTimer(method: string, route: string): RouteTimer | undefined {
    if (!this.timeRequests) return undefined;
    return new ClassedRouteTimer(STATUS_CLASSES.map((statusClass) => this.requestSeconds.newSeries({ method, route, status_class: statusClass })));
  }

  /** A gauge whose value is read when /metrics is scraped. */
  gauge(name: string, help: string, read: () => number): void {
    new client.Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** A gauge read asynchronously at scrape time (e.g. a count from the database); -1 when that read fails. */
  asyncGauge(name: string, help: string, read: () => Promise<number>): void {
    new client.Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read().catch(() => -1));
      },
    });
  }

  /**
   * A gauge with one series per value of `label`, read asynchronously at scrape time: `read`
   * answers the series to show now (bounded by the caller: every label value is a series kept
   * by whoever scrapes). When the read fails the gauge shows no series.
   */
  labeledAsyncGauge(name: string, help: string, label: string, read: () => Promise<ReadonlyMap<string, number>>): void {
    new client.Gauge({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      async collect() {
        const series = await read().catch(() => new Map<string, number>());
        this.reset();
        for (const [value, count] of series) this.set({ [label]: value }, count);
      },
    });
  }

  counter(name: string, help: string): client.Counter {
    return new client.Counter({ name, help, registers: [this.registry] });
  }

  histogram(name: string, help: string, buckets: number[]): client.Histogram {
    return new client.Histogram({ name, help, buckets, registers: [this.registry] });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
