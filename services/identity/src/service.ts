import { messagingPlugin } from '@authplatform/messaging';
import { defineService } from '@authplatform/service-kit';
import { trustProxyProductionRules } from './app/accounts/accounts-config.ts';
import { bootstrapAdminPlugin } from './app/admin/bootstrap-admin.ts';
import { clientsProductionRules } from './app/clients/clients-config.ts';
import { keysPlugin } from './app/keys/keys-module.ts';
import { keysProductionRules } from './config/keys.ts';
import { config } from './config.ts';
import { createHandlers } from './events/index.ts';
import { routes } from './http/routes.ts';
import { migrations } from './store/migrations/index.ts';

/** The identity service: accounts, credentials, sessions, access and refresh tokens, MFA, OAuth 2 clients and signing keys. */
export const service = defineService({
  name: 'identity',
  version: '0.1.0',
  description:
    'Accounts, credentials, sessions, access and refresh tokens, MFA, OAuth 2 clients and signing keys.',
  defaultPort: 3001,
  config,
  migrations,
  routes,
  productionRules: (cfg) => [
    ...keysProductionRules(cfg),
    ...clientsProductionRules(cfg),
    ...trustProxyProductionRules(cfg),
  ],
  // Signing keys ensured before the server listens; the outbox relay (events this service publishes)
  // and, once it has handlers, its inbox consumer.
  plugins: [
    keysPlugin(),
    bootstrapAdminPlugin(),
    messagingPlugin('identity', (deps) => ({ events: createHandlers(deps) })),
  ],
});
