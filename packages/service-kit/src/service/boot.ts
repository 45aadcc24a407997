/**
 * Process entry of a service (`@authplatform/service-kit/boot`): starts OpenTelemetry before express,
 * pg and the AWS SDK are loaded (so they are instrumented), then loads and runs the service.
 * This module must import nothing heavy at its top.
 */
import type { TProperties } from '@sinclair/typebox';
import { startTelemetry } from '../telemetry/tracing.ts';
import type { ServiceDefinition } from './definition.ts';

export async function boot<P extends TProperties>(
  name: string,
  load: () => Promise<{ service: ServiceDefinition<P> }>,
): Promise<void> {
  const endpoint = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const telemetry = startTelemetry({
    service: name,
    version: process.env.npm_package_version ?? '0.1.0',
    ...(endpoint ? { otlpEndpoint: endpoint } : {}),
  });
  const { runService } = await import('./run-service.ts');
  const { service } = await load();
  await runService(service, { telemetry });
}
