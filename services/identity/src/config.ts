import { Type } from '@sinclair/typebox';
import { accountsConfig } from './app/accounts/accounts-config.ts';
import { bootstrapAdminConfig } from './app/admin/bootstrap-admin.ts';
import { clientsConfig } from './app/clients/clients-config.ts';
import { sessionsConfig } from './app/sessions/sessions-config.ts';
import { credentialsConfig } from './config/credentials.ts';
import { keysConfig } from './config/keys.ts';

/**
 * Environment variables of the identity service beyond the shared ones of service-kit
 * (`NODE_ENV`, `PORT`, `DATABASE_URL`, `AWS_ENDPOINT_URL`, `JWKS_URL`, ...; see docs/configuration.md).
 */
export const config = Type.Object({
  ...credentialsConfig,
  ...keysConfig,
  ...accountsConfig,
  ...clientsConfig,
  ...sessionsConfig,
  ...bootstrapAdminConfig,
});
