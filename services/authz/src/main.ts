/**
 * Composition root of the authz service: telemetry first (so express, pg and the AWS SDK are
 * instrumented when they load), then the service itself.
 */
import { startTelemetry } from '@authplatform/service-kit/telemetry';

const telemetry = startTelemetry({
  service: 'authz',
  version: process.env.npm_package_version ?? '0.1.0',
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT
    ? { otlpEndpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT }
    : {}),
});

const { runService } = await import('@authplatform/service-kit');
const { service } = await import('./service.ts');
await runService(service, { telemetry });
