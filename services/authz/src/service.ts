import { type MessagingServiceContext, messagingPlugin } from '@authplatform/messaging';
import { defineService, type ServicePlugin } from '@authplatform/service-kit';
import type { TProperties } from '@sinclair/typebox';
import { type AuthzContext, authzFor, authzIndexPlugin } from './app/authz-module.ts';
import { config } from './config.ts';
import { createHandlers } from './events/index.ts';
import { routes } from './http/routes.ts';
import { migrations } from './store/migrations/index.ts';

/** The outbox relay and the inbox consumer, with handlers that write through this service's authz module. */
function authzMessagingPlugin<P extends TProperties>(): ServicePlugin<P> {
  return {
    name: 'messaging',
    start(context) {
      const authz = authzFor(context as unknown as AuthzContext);
      const plugin = messagingPlugin('authz', (deps) => ({ events: createHandlers({ ...deps, authz }) }));
      return plugin.start(context as unknown as MessagingServiceContext);
    },
  };
}

/** The authz service: roles, permissions, groups, resource grants and fast authorization decisions. */
export const service = defineService({
  name: 'authz',
  version: '0.1.0',
  description: 'Roles, permissions, groups, resource grants and fast authorization decisions.',
  defaultPort: 3002,
  config,
  migrations,
  routes,
  // The decision index first (loaded before the consumers run and the server listens), then the
  // outbox relay (events this service publishes) and the inbox consumer.
  plugins: [authzIndexPlugin(), authzMessagingPlugin()],
});
