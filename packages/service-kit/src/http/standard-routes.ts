/** The endpoints every service serves: `/healthz`, `/readyz` and (when metrics are given) `/metrics`. */
import { Type } from '@sinclair/typebox';
import type { RequestHandler } from 'express';
import type { HttpLogger } from './logger.ts';
import { describeError } from './logger.ts';
import type { Route } from './route.ts';
import { defineRoute } from './route.ts';

export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}
export type ReadinessCheck = () => Promise<ReadinessReport>;

/** What the metrics module provides (Prometheus). Its middleware reads `res.locals.route`. */
export interface MetricsProvider {
  middleware: RequestHandler;
  /**
   * Records one answered request (`status` undefined: the client went away first). When present,
   * the app calls it from its own per-request hook instead of mounting `middleware`.
   */
  observeRequest?(method: string, route: unknown, status: number | undefined, seconds: number): void;
  contentType: string;
  render(): Promise<string>;
}

export const SYSTEM_TAG = 'system';
export const READINESS_TIMEOUT_MS = 5_000;

export const HealthSchema = Type.Object({ status: Type.Literal('ok') });
export const ReadinessSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Record(
    Type.String(),
    Type.Object({ ok: Type.Boolean(), detail: Type.Optional(Type.String()) }),
  ),
});

async function runReadiness(
  check: ReadinessCheck,
  logger: HttpLogger,
  timeoutMs: number,
): Promise<ReadinessReport> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ReadinessReport>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, checks: { readiness: { ok: false, detail: 'timed out' } } }),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    return await Promise.race([check(), timeout]);
  } catch (error) {
    logger.warn('readiness check failed', { err: describeError(error) });
    return { ok: false, checks: { readiness: { ok: false, detail: 'check failed' } } };
  } finally {
    clearTimeout(timer);
  }
}

export interface StandardRoutesOptions {
  logger: HttpLogger;
  readiness?: ReadinessCheck;
  metrics?: MetricsProvider;
  readinessTimeoutMs?: number;
}

export function standardRoutes(options: StandardRoutesOptions): Route[] {
  const { logger, readiness, metrics } = options;
  const timeoutMs = options.readinessTimeoutMs ?? READINESS_TIMEOUT_MS;
  const routes: Route[] = [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      tags: [SYSTEM_TAG],
      responses: { 200: { description: 'The process is up.', schema: HealthSchema } },
      handler: async ({ reply }) => reply(200, { status: 'ok' }),
    }),
    defineRoute({
      method: 'get',
      path: '/readyz',
      operationId: 'getReadiness',
      summary: 'Readiness: dependencies are reachable',
      tags: [SYSTEM_TAG],
      responses: {
        200: { description: 'Ready to serve.', schema: ReadinessSchema },
        503: { description: 'Not ready; `checks` says what failed.', schema: ReadinessSchema },
      },
      handler: async ({ reply }) => {
        const report = readiness
          ? await runReadiness(readiness, logger, timeoutMs)
          : { ok: true, checks: {} };
        const checks: ReadinessReport['checks'] = {};
        for (const [name, result] of Object.entries(report.checks)) {
          checks[name] =
            result.detail === undefined ? { ok: result.ok } : { ok: result.ok, detail: result.detail };
        }
        return report.ok
          ? reply(200, { status: 'ok', checks })
          : reply(503, { status: 'unavailable', checks });
      },
    }),
  ];
  if (metrics) {
    routes.push(
      defineRoute({
        method: 'get',
        path: '/metrics',
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        tags: [SYSTEM_TAG],
        responses: {
          200: {
            description: 'Metrics in the Prometheus text format.',
            schema: Type.String(),
            contentType: metrics.contentType,
          },
        },
        handler: async () => ({ status: 200, body: await metrics.render() }),
      }),
    );
  }
  return routes;
}
