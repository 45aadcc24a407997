import { messagingPlugin } from '@authplatform/messaging';
import { defineService } from '@authplatform/service-kit';
import { config } from './config.ts';
import { routes } from './http/routes.ts';
import { migrations } from './store/migrations/index.ts';

/** The audit service: the tamper-evident audit log, security detections and compliance requests. */
export const service = defineService({
  name: 'audit',
  version: '0.1.0',
  description: 'The tamper-evident audit log, security detections and compliance requests.',
  defaultPort: 3005,
  config,
  migrations,
  routes,
  // The outbox relay (events this service publishes) and, once it has handlers, its inbox consumer.
  plugins: [messagingPlugin('audit')],
});
