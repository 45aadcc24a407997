import { type Static, Type } from '@sinclair/typebox';

/** winston's npm levels, most to least severe. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const httpUrl = (description: string) => Type.String({ format: 'uri', pattern: '^https?://', description });

/**
 * Variables every service reads. A service spreads these into its own schema and overrides
 * what differs, e.g. `Type.Object({ ...baseConfigSchema.properties, PORT: Type.Integer({ default: 3001 }) })`.
 */
export const baseConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('test'), Type.Literal('production')], {
    default: 'development',
  }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: '0 picks a free port' }),
  HOST: Type.String({
    minLength: 1,
    default: '127.0.0.1',
    description: 'Interface to listen on; production images set 0.0.0.0',
  }),
  LOG_LEVEL: Type.Union(
    LOG_LEVELS.map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  DATABASE_URL: Type.Optional(
    Type.String({
      pattern: '^postgres(ql)?://',
      description: 'Postgres connection URL; when absent (development only) an embedded PGlite is used',
    }),
  ),
  DATA_DIR: Type.String({ minLength: 1, default: '.data', description: 'Where embedded state lives' }),
  AWS_REGION: Type.String({ pattern: '^[a-z]{2}(-[a-z]+)+-\\d+$', default: 'us-east-1' }),
  AWS_ENDPOINT_URL: Type.Optional(httpUrl('SNS/SQS/SES endpoint override (fauxqs, LocalStack)')),
  AWS_ACCESS_KEY_ID: Type.Optional(
    Type.String({ minLength: 1, description: 'Static AWS credentials (emulators); else the SDK chain' }),
  ),
  AWS_SECRET_ACCESS_KEY: Type.Optional(
    Type.String({ minLength: 1, secret: true, description: 'Secret of AWS_ACCESS_KEY_ID' }),
  ),
  ENV_PREFIX: Type.String({
    pattern: '^[a-z0-9][a-z0-9-]{0,31}$',
    default: 'dev',
    description: 'Prefix of topic and queue names',
  }),
  COMPLIANCE_EXPORT_BUCKET: Type.Optional(
    Type.String({
      pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      description:
        'S3 bucket of the data-subject export parts every service stores; default `<ENV_PREFIX>-authplatform-compliance` (created on first use outside production)',
    }),
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: Type.Optional(httpUrl('OTLP/HTTP collector base URL')),
  TOKEN_ISSUER: Type.Optional(httpUrl('Expected `iss` of access tokens')),
  TOKEN_AUDIENCE: Type.Optional(
    Type.String({ minLength: 1, description: 'Expected `aud` of access tokens' }),
  ),
  JWKS_URL: Type.Optional(httpUrl('Where the signing keys of access tokens are published')),
  CORS_ORIGINS: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), { description: 'Comma-separated allowed origins' }),
  ),
  TRUST_PROXY: Type.Union([Type.Boolean(), Type.Integer({ minimum: 0 }), Type.String({ minLength: 1 })], {
    default: false,
    description: "Express 'trust proxy': true/false, a hop count, or comma-separated addresses/subnets",
  }),
});

export type BaseConfig = Static<typeof baseConfigSchema>;
