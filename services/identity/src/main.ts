/** Composition root of the identity service: telemetry first, then the service (see service.ts). */
import { boot } from '@authplatform/service-kit/boot';

await boot('identity', () => import('./service.ts'));
