/** Composition root of the audit service: telemetry first, then the service (see service.ts). */
import { boot } from '@authplatform/service-kit/boot';

await boot('audit', () => import('./service.ts'));
