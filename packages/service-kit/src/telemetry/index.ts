export { INSTRUMENTED_MODULES, registerEsmHooks } from './esm-hooks.ts';
export {
  CLIENT_CLOSED_STATUS,
  createMetrics,
  type Metrics,
  type MetricsOptions,
  OTHER_ROUTE,
  UNMATCHED_ROUTE,
} from './metrics.ts';
export { startTelemetry, type Telemetry, type TelemetryOptions } from './tracing.ts';
