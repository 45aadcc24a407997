import { messagingPlugin } from '@authplatform/messaging';
import { defineService } from '@authplatform/service-kit';
import { config } from './config.ts';
import { routes } from './http/routes.ts';
import { migrations } from './store/migrations/index.ts';

/** The webhooks service: customer webhook endpoints, signing secrets, deliveries and attempts. */
export const service = defineService({
  name: 'webhooks',
  version: '0.1.0',
  description: 'Customer webhook endpoints, signing secrets, deliveries and attempts.',
  defaultPort: 3004,
  config,
  migrations,
  routes,
  // The outbox relay (events this service publishes) and, once it has handlers, its inbox consumer.
  plugins: [messagingPlugin('webhooks')],
});
