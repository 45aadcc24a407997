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
import { setKitServerSpans, UNTRACED_PATHS } from './server-span.ts';

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
  /**
   * Replaces the default instrumentations: http, pg and aws-sdk, plus express when spans are
   * exported (`otlpEndpoint`).
   */
  instrumentations?: Instrumentation[];
  /** Install the loader hook that lets instrumentations patch ES modules (default true). */
  esmHooks?: boolean;
}

export interface Telemetry {
  /** Flushes pending spans and unregisters everything `startTelemetry` registered. */
  shutdown(): Promise<void>;
}

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

/**
 * pg and the AWS SDK always; http for outgoing calls always. Exporting, http also makes the
 * server span of each incoming request and express a span for every middleware and route layer:
 * a full trace for a viewer. Without an exporter nothing is viewed: the kit's HTTP layer makes a
 * light server span itself (`server-span.ts`: trace context for logs and propagation) and
 * express is not instrumented; together that halves the CPU of a cheap request (`http.bench.ts`).
 */
function defaultInstrumentations(exporting: boolean): Instrumentation[] {
  return [
    new HttpInstrumentation(
      exporting
        ? {
            ignoreIncomingRequestHook: (request) =>
              UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
          }
        : { disableIncomingRequestInstrumentation: true },
    ),
    ...(exporting ? [new ExpressInstrumentation()] : []),
    new PgInstrumentation({ requireParentSpan: true }),
    new AwsInstrumentation({ suppressInternalInstrumentation: true }),
  ];
}

function tracesUrl(endpoint: string): string {
  return `${endpoint.replace(/\/+$/, '')}/v1/traces`;
}

let active: Telemetry | undefined;

/**
 * Starts the OpenTelemetry Node SDK: tracing with HTTP, pg and AWS SDK instrumentations (and
 * Express when exporting; without an exporter the HTTP layer makes light server spans itself, see
 * `defaultInstrumentations`),
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

  const exporting = Boolean(options.otlpEndpoint);
  const instrumentations = options.instrumentations ?? defaultInstrumentations(exporting);
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
  // Without an exporter (and with the default instrumentations), incoming requests get the kit's
  // light server span instead of instrumentation-http's.
  setKitServerSpans(!exporting && options.instrumentations === undefined);

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
          setKitServerSpans(false);
          if (active === handle) active = undefined;
        }
      })();
      return stopping;
    },
  };
  active = handle;
  return handle;
}
