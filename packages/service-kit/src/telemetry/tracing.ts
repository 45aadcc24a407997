import { context, logs, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { registerEsmHooks } from './esm-hooks.ts';

type SpanProcessor = NonNullable<NodeSDKConfiguration['spanProcessors']>[number];
type Instrumentation = NodeSDKConfiguration['instrumentations'][number];

export interface TelemetryOptions {
  /** `service.name` of every span, e.g. `identity`. */
  service: string;
  /** `service.version`. */
  version: string;
  /**
   * OTLP/HTTP collector base URL (`OTEL_EXPORTER_OTLP_ENDPOINT`); spans go to `<endpoint>/v1/traces`.
   * Without it nothing is exported, but spans, trace ids and W3C propagation still work.
   */
  otlpEndpoint?: string | undefined;
  /** Replaces the default instrumentations (http, express, pg, aws-sdk). */
  instrumentations?: Instrumentation[];
  /** Install the loader hook that lets instrumentations patch ES modules (default true). */
  esmHooks?: boolean;
}

export interface Telemetry {
  /** Flushes pending spans and unregisters everything `startTelemetry` registered. */
  shutdown(): Promise<void>;
}

/** Paths that would only add noise: probes and scrapes. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Keeps spans recording (so they get trace ids and propagate) without sending them anywhere;
 * the SDK registers no tracer provider at all without a span processor.
 */
const keepSpansLocal: SpanProcessor = {
  onStart: () => {},
  onEnd: () => {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

function defaultInstrumentations(): Instrumentation[] {
  return [
    new HttpInstrumentation({
      ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
    }),
    new ExpressInstrumentation(),
    new PgInstrumentation({ requireParentSpan: true }),
    new AwsInstrumentation({ suppressInternalInstrumentation: true }),
  ];
}

function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

let active: Telemetry | undefined;

/**
 * Starts the OpenTelemetry Node SDK: tracing with HTTP, Express, pg and AWS SDK instrumentations,
 * W3C trace-context and baggage propagation, and an OTLP/HTTP exporter when `otlpEndpoint` is set.
 * OpenTelemetry metrics and logs are not started (metrics are Prometheus, logs are winston).
 *
 * Call it first in `main.ts` and only then `await import()` the modules that load express, pg or
 * the AWS SDK, so that the instrumentations can patch them (static imports are evaluated before
 * any code of the importing module runs). Calling it again while started returns the running
 * instance; after `shutdown()` it can start again (tests).
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (active !== undefined) return active;
  if (options.esmHooks ?? true) registerEsmHooks();

  const instrumentations = options.instrumentations ?? defaultInstrumentations();
  const resource = defaultResource()
    .merge(
      detectResources({
        detectors: [envDetector, processDetector, hostDetector, serviceInstanceIdDetector],
      }),
    )
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.service,
        [ATTR_SERVICE_VERSION]: options.version,
      }),
    );

  const sdk = new NodeSDK({
    resource,
    autoDetectResources: false,
    instrumentations,
    ...(options.otlpEndpoint
      ? { traceExporter: new OTLPTraceExporter({ url: tracesUrl(options.otlpEndpoint) }) }
      : { spanProcessors: [keepSpansLocal] }),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();

  let stopping: Promise<void> | undefined;
  const handle: Telemetry = {
    shutdown() {
      stopping ??= (async () => {
        try {
          await sdk.shutdown();
        } finally {
          for (const instrumentation of instrumentations.flat()) instrumentation.disable();
          trace.disable();
          context.disable();
          propagation.disable();
          logs.disable();
          if (active === handle) active = undefined;
        }
      })();
      return stopping;
    },
  };
  active = handle;
  return handle;
}
