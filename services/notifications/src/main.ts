/** Composition root of the notifications service: telemetry first, then the service (see service.ts). */
import { boot } from '@authplatform/service-kit/boot';

await boot('notifications', () => import('./service.ts'));
