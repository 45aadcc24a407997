import { messagingPlugin } from '@authplatform/messaging';
import { defineService } from '@authplatform/service-kit';
import { config } from './config.ts';
import { routes } from './http/routes.ts';
import { migrations } from './store/migrations/index.ts';

/** The authz service: roles, permissions, groups, resource grants and fast authorization decisions. */
export const service = defineService({
  name: 'authz',
  version: '0.1.0',
  description: 'Roles, permissions, groups, resource grants and fast authorization decisions.',
  defaultPort: 3002,
  config,
  migrations,
  routes,
  // The outbox relay (events this service publishes) and, once it has handlers, its inbox consumer.
  plugins: [messagingPlugin('authz')],
});
