/** Composition root of the webhooks service: telemetry first, then the service (see service.ts). */
import { boot } from '@authplatform/service-kit/boot';

await boot('webhooks', () => import('./service.ts'));
