import { messagingPlugin } from '@authplatform/messaging';
import { defineService } from '@authplatform/service-kit';
import { config } from './config.ts';
import { routes } from './http/routes.ts';
import { migrations } from './store/migrations/index.ts';

/** The notifications service: email and SMS delivery with templates, languages, preferences and delivery tracking. */
export const service = defineService({
  name: 'notifications',
  version: '0.1.0',
  description: 'Email and SMS delivery with templates, languages, preferences and delivery tracking.',
  defaultPort: 3003,
  config,
  migrations,
  routes,
  // The outbox relay (events this service publishes) and, once it has handlers, its inbox consumer.
  plugins: [messagingPlugin('notifications')],
});
