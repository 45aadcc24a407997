import { type Static, type TObject, type TProperties, Type } from '@sinclair/typebox';
import type { Migration } from 'kysely/migration';
import type { Authenticator } from '../auth/permissions.ts';
import { type BaseConfig, baseConfigSchema } from '../config/base-schema.ts';
import type { Database } from '../db/create-database.ts';
import type { Route } from '../http/route.ts';
import type { ReadinessReport } from '../http/standard-routes.ts';
import type { Lifecycle } from '../lifecycle/lifecycle.ts';
import type { Logger } from '../logging/logger.ts';
import type { Metrics } from '../telemetry/metrics.ts';

/** The configuration of a service: the shared variables plus its own. */
export type ServiceConfig<P extends TProperties> = BaseConfig & Static<TObject<P>>;

/** What a service's routes and wiring get from the kit. */
export interface ServiceContext<P extends TProperties> {
  config: ServiceConfig<P>;
  logger: Logger;
  database: Database<unknown>;
  metrics: Metrics;
  lifecycle: Lifecycle;
  /** Present when `JWKS_URL`, `TOKEN_ISSUER` and `TOKEN_AUDIENCE` are configured. */
  authenticator: Authenticator | undefined;
}

export type ReadinessProbe = () => Promise<{ ok: boolean; detail?: string }>;

export interface ServiceDefinition<P extends TProperties = TProperties> {
  /** `identity`, `authz`, ...: log field, metrics label, database schema, data folder. */
  name: string;
  version: string;
  description: string;
  /** Port from the spec's service table; `PORT` overrides it. */
  defaultPort: number;
  /** The service's own environment variables (TypeBox), added to the shared ones. */
  config: TObject<P>;
  /** Service-specific settings refused in production (`"VAR: reason"` each). */
  productionRules?: (config: ServiceConfig<P>) => string[];
  /**
   * The service's kysely migrations by name, applied in name order (`store/migrations/index.ts`
   * imports each migration file, so the built service carries them without a file scan).
   */
  migrations: Record<string, Migration>;
  /**
   * `Idempotency-Key` on mutating routes (on by default; the kit adds its table to `migrations`).
   * `ttlSeconds`: how long a first response is replayed (default 86400). `false` turns it off.
   */
  idempotency?: { ttlSeconds?: number } | false;
  /** The HTTP API, declared with `defineRoute`. */
  routes: (context: ServiceContext<P>) => Route[];
  /**
   * Parts that run beside the HTTP API for as long as the service runs (outbox relay, consumers).
   * Each starts after the migrations and before the server listens; its `stop` runs on shutdown
   * after the server has stopped taking requests, and its probes join `/readyz`.
   */
  plugins?: ServicePlugin<P>[];
}

export interface RunningPlugin {
  readiness?: Record<string, ReadinessProbe>;
  stop?: () => Promise<void>;
}

export type ServicePlugin<P extends TProperties = TProperties> = {
  name: string;
  start(context: ServiceContext<P>): Promise<RunningPlugin>;
};

/** Identity function that checks a service definition's types. */
export function defineService<P extends TProperties>(definition: ServiceDefinition<P>): ServiceDefinition<P> {
  return definition;
}

/** The shared variables plus the service's own, with `PORT` defaulting to the service's port. */
export function serviceConfigSchema<P extends TProperties>(
  definition: Pick<ServiceDefinition<P>, 'defaultPort' | 'config'>,
): TObject {
  const port = Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: definition.defaultPort,
    description: '0 picks a free port',
  });
  // Typed loosely on purpose: TypeBox cannot compute the static type of a spread over a generic P;
  // `ServiceConfig<P>` states what `loadConfig` returns for it.
  const properties: TProperties = {
    ...baseConfigSchema.properties,
    PORT: port,
    ...definition.config.properties,
  };
  return Type.Object(properties);
}

export type { ReadinessReport };
