import type { RequestHandler } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsOptions {
  /** Added as the `service` label of every metric. */
  service: string;
  /** Process metrics (CPU, memory, event loop, GC); default true. */
  defaultMetrics?: boolean;
  /** Distinct `route` labels kept before further ones are counted as `other`; default 200. */
  maxRoutes?: number;
}

export interface Metrics {
  /** This service's own registry (never prom-client's global one). */
  registry: Registry;
  /** Records `http_requests_total`, `http_request_duration_seconds`, `http_request_errors_total`. */
  middleware: RequestHandler;
  /**
   * What `middleware` records, for one answered request: `route` is `res.locals.route`, `status`
   * undefined when the client went away before the response was sent. `createHttpApp` calls it.
   */
  observeRequest(method: string, route: unknown, status: number | undefined, seconds: number): void;
  /** `Content-Type` of `render()`'s output. */
  contentType: string;
  /** The Prometheus text exposition of every metric, for `GET /metrics`. */
  render(): Promise<string>;
  counter<L extends string = string>(name: string, help: string, labelNames?: readonly L[]): Counter<L>;
  histogram<L extends string = string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    buckets?: number[],
  ): Histogram<L>;
  /** `collect` runs at every scrape, e.g. to set an outbox lag. */
  gauge<L extends string = string>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    collect?: (gauge: Gauge<L>) => void | Promise<void>,
  ): Gauge<L>;
}

/** Route label when the HTTP layer matched no declared route (404s, probes of random paths). */
export const UNMATCHED_ROUTE = 'unmatched';
/** Route label once `maxRoutes` distinct routes have been seen. */
export const OTHER_ROUTE = 'other';
/** Status label of a request whose client went away before the response was sent (nginx's 499). */
export const CLIENT_CLOSED_STATUS = '499';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const HTTP_LABELS = ['method', 'route', 'status'] as const;
/** Seconds; from a cached GET (sub-millisecond) to a slow argon2 login or webhook call. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics for one service on its own registry: process metrics, per-route HTTP
 * request counts, latency and 5xx errors, and factories for business metrics.
 *
 * The middleware labels requests with `res.locals.route`, which the HTTP layer sets to the declared
 * path template (`/v1/users/{id}`), or `unmatched`; never the raw URL, so that the number of series
 * stays bounded whatever clients send.
 */
export function createMetrics(options: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: options.service });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  function existing<M>(name: string, kind: abstract new (...args: never[]) => M): M | undefined {
    const metric = registry.getSingleMetric(name);
    if (metric === undefined) return undefined;
    if (metric instanceof kind) return metric;
    throw new Error(`metric ${name} is already registered with another type`);
  }

  const metrics: Omit<Metrics, 'middleware' | 'observeRequest'> = {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    counter: (name, help, labelNames = []) =>
      existing(name, Counter) ?? new Counter({ name, help, labelNames, registers: [registry] }),
    histogram: (name, help, labelNames = [], buckets = LATENCY_BUCKETS) =>
      existing(name, Histogram) ?? new Histogram({ name, help, labelNames, buckets, registers: [registry] }),
    gauge<L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[] = [],
      collect?: (gauge: Gauge<L>) => void | Promise<void>,
    ): Gauge<L> {
      const found = existing<Gauge<L>>(name, Gauge);
      if (found !== undefined) return found;
      return new Gauge<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        ...(collect === undefined
          ? {}
          : {
              collect(this: Gauge<L>) {
                return collect(this);
              },
            }),
      });
    },
  };

  const requests = metrics.counter('http_requests_total', 'HTTP requests answered', HTTP_LABELS);
  const duration = metrics.histogram('http_request_duration_seconds', 'HTTP request latency', HTTP_LABELS);
  const errors = metrics.counter(
    'http_request_errors_total',
    'HTTP requests answered with a 5xx',
    HTTP_LABELS,
  );

  const maxRoutes = options.maxRoutes ?? 200;
  const routes = new Set<string>();
  function routeLabel(route: unknown): string {
    if (typeof route !== 'string' || route === '') return UNMATCHED_ROUTE;
    if (routes.has(route)) return route;
    if (routes.size >= maxRoutes) return OTHER_ROUTE;
    routes.add(route);
    return route;
  }

  const observeRequest = (method: string, route: unknown, status: number | undefined, seconds: number) => {
    const labels = {
      method: METHODS.has(method) ? method : 'OTHER',
      route: routeLabel(route),
      status: status === undefined ? CLIENT_CLOSED_STATUS : String(status),
    };
    requests.inc(labels);
    duration.observe(labels, seconds);
    if (status !== undefined && status >= 500) errors.inc(labels);
  };

  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    // `close` follows `finish` on every response, and comes alone when the client went away first.
    res.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      observeRequest(
        req.method,
        res.locals.route,
        res.writableFinished ? res.statusCode : undefined,
        seconds,
      );
    });
    next();
  };

  return { ...metrics, middleware, observeRequest };
}
