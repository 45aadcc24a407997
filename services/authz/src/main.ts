/** Composition root of the authz service: telemetry first, then the service (see service.ts). */
import { boot } from '@authplatform/service-kit/boot';

await boot('authz', () => import('./service.ts'));
