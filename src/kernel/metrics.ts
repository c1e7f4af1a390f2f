// Prometheus metrics of one instance, on prom-client: the process (CPU, memory, event loop), every
// request by route template and status class with its latency, and what each module adds (pool
// and queue gauges read at scrape time, batch sizes). On the hot path a request costs one
// histogram observation on a child made when its route was registered; METRICS=false turns
// that off (bench/metrics-cost.ts measures the difference).
import client from 'prom-client';

/** Times the requests of one route: status class from the status line, duration in ms. */
export interface RouteTimer {
  observe(status: string, ms: number): void;
}

// Latency buckets in seconds: the hot path answers in about a millisecond, the official test's
// threshold is 250 ms.
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

type Observer = { observe(value: number): void };

class ClassedRouteTimer implements RouteTimer {
  constructor(private readonly byClass: readonly Observer[]) {}

  observe(status: string, ms: number): void {
    // '1'..'5' -> 0..4: the class is the status line's first digit.
    this.byClass[status.charCodeAt(0) - 49]?.observe(ms / 1000);
  }
}

export class Metrics {
  readonly registry = new client.Registry();
  private readonly requestSeconds: client.Histogram<'method' | 'route' | 'status_class'>;

  /** `timeRequests`: observe every request (METRICS); the other metrics are collected anyway. */
  constructor(private readonly timeRequests: boolean) {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'crebitos_' });
    this.requestSeconds = new client.Histogram({
      name: 'crebitos_http_request_duration_seconds',
      help: 'Requests answered, by route template and status class, with their latency (from routing to the corked write).',
      labelNames: ['method', 'route', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers: [this.registry],
    });
  }

  /** The timer of one route, or undefined when requests are not timed. */
  routeTimer(method: string, route: string): RouteTimer | undefined {
    if (!this.timeRequests) return undefined;
    return new ClassedRouteTimer(STATUS_CLASSES.map((statusClass) => this.requestSeconds.labels(method, route, statusClass)));
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
