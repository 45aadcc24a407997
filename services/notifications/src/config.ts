import { Type } from '@sinclair/typebox';

/**
 * Environment variables of the notifications service beyond the shared ones of service-kit
 * (`NODE_ENV`, `PORT`, `DATABASE_URL`, `AWS_ENDPOINT_URL`, `JWKS_URL`, ...; see docs/configuration.md).
 */
export const config = Type.Object({});
