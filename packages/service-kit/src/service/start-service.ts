import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TProperties } from '@sinclair/typebox';
import type { Migration } from 'kysely/migration';
import { createJwksAuthenticator } from '../auth/jwks.ts';
import { ConfigError } from '../config/errors.ts';
import { loadConfig } from '../config/load.ts';
import { createDatabase, type Database } from '../db/create-database.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createHttpApp } from '../http/app.ts';
import type { ReadinessReport } from '../http/standard-routes.ts';
import { serviceKitMigrations } from '../idempotency/schema.ts';
import { createIdempotencyStore } from '../idempotency/store.ts';
import { closeHttpServer } from '../lifecycle/http-server.ts';
import { createLifecycle, type Lifecycle } from '../lifecycle/lifecycle.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { createMetrics } from '../telemetry/metrics.ts';
import { awsClientConfig } from './aws.ts';
import { createBrokerProbe } from './broker-probe.ts';
import {
  type ReadinessProbe,
  type ServiceConfig,
  type ServiceContext,
  type ServiceDefinition,
  serviceConfigSchema,
} from './definition.ts';

/** The service's migrations plus the kit's own (`serviceKitMigrations`); a name clash is a bug. */
export function withKitMigrations(migrations: Record<string, Migration>): Record<string, Migration> {
  for (const name of Object.keys(serviceKitMigrations)) {
    if (Object.hasOwn(migrations, name)) throw new Error(`migration name ${name} is reserved by service-kit`);
  }
  return { ...serviceKitMigrations, ...migrations };
}

export interface StartServiceOptions {
  /** Variables to read instead of `process.env` (tests). */
  env?: Record<string, string | undefined>;
  /** `.env` file read in development; `false` disables it. */
  envFile?: string | false;
  /** Process exit used by the lifecycle; tests pass a no-op. */
  exit?: (code: number) => void;
  /** Replaces the logger built from the config (tests silence it). */
  logger?: Logger;
  /** Database schema to use instead of the service's name (tests isolate suites this way). */
  schema?: string;
  /** Started telemetry (see `main.ts`); flushed last on shutdown. */
  telemetry?: { shutdown(): Promise<void> };
}

export interface RunningService<P extends TProperties> {
  config: ServiceConfig<P>;
  /** `http://host:port` the service listens on. */
  url: string;
  server: Server;
  database: Database<unknown>;
  logger: Logger;
  lifecycle: Lifecycle;
  /** Stops the service as SIGTERM would, without exiting the process when `exit` was replaced. */
  stop(): Promise<void>;
}

/**
 * The composition every service's `main.ts` uses: config → logger → database (+ migrations) →
 * metrics → HTTP app → listen, each piece registered for graceful shutdown in reverse order.
 * Throws `ConfigError` for a bad configuration (see `runService` for the process wrapper).
 */
export async function startService<P extends TProperties>(
  definition: ServiceDefinition<P>,
  options: StartServiceOptions = {},
): Promise<RunningService<P>> {
  const config = loadConfig(serviceConfigSchema(definition), {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.envFile === undefined ? {} : { envFile: options.envFile }),
    ...(definition.productionRules === undefined
      ? {}
      : { productionRules: definition.productionRules as (cfg: unknown) => string[] }),
  }) as ServiceConfig<P>;

  const logger = options.logger ?? createLogger({ service: definition.name, level: config.LOG_LEVEL });
  const lifecycle = createLifecycle({
    logger,
    ...(options.exit === undefined ? {} : { exit: options.exit }),
  });
  // Registered first, so it runs last: spans of the shutdown itself are still exported.
  const { telemetry } = options;
  if (telemetry !== undefined) lifecycle.onShutdown('telemetry', () => telemetry.shutdown());

  const database = await createDatabase<unknown>({
    service: definition.name,
    dataDir: config.DATA_DIR,
    logger,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(config.DATABASE_URL === undefined ? {} : { databaseUrl: config.DATABASE_URL }),
  });
  lifecycle.onShutdown('database', () => database.close());
  try {
    return await startOnDatabase(definition, config, logger, lifecycle, database);
  } catch (error) {
    // Whatever this start opened (pool, clients, plugins' relays and consumers) is released before
    // the error reaches the caller.
    await lifecycle.abort(error instanceof Error ? error.message : 'start failed');
    throw error;
  }
}

async function startOnDatabase<P extends TProperties>(
  definition: ServiceDefinition<P>,
  config: ServiceConfig<P>,
  logger: Logger,
  lifecycle: Lifecycle,
  database: Database<unknown>,
): Promise<RunningService<P>> {
  await migrateToLatest(database, { migrations: withKitMigrations(definition.migrations) });
  const idempotency =
    definition.idempotency === false
      ? undefined
      : createIdempotencyStore(database, {
          ...(definition.idempotency?.ttlSeconds === undefined
            ? {}
            : { ttlSeconds: definition.idempotency.ttlSeconds }),
          logger,
        });

  const broker = createBrokerProbe({ aws: awsClientConfig(config), prefix: config.ENV_PREFIX });
  lifecycle.onShutdown('broker client', async () => broker.close());

  if (
    config.JWKS_URL !== undefined &&
    (config.TOKEN_ISSUER === undefined || config.TOKEN_AUDIENCE === undefined)
  ) {
    throw new ConfigError(
      (['TOKEN_ISSUER', 'TOKEN_AUDIENCE'] as const)
        .filter((name) => config[name] === undefined)
        .map((variable) => ({
          variable,
          reason: 'is required when JWKS_URL is set (tokens are checked against it)',
        })),
    );
  }
  const authenticator =
    config.JWKS_URL !== undefined && config.TOKEN_ISSUER !== undefined && config.TOKEN_AUDIENCE !== undefined
      ? createJwksAuthenticator({
          jwksUrl: config.JWKS_URL,
          issuer: config.TOKEN_ISSUER,
          audience: config.TOKEN_AUDIENCE,
        })
      : undefined;

  const metrics = createMetrics({ service: definition.name });
  const context: ServiceContext<P> = { config, logger, database, metrics, lifecycle, authenticator };

  const probes: Record<string, ReadinessProbe> = {
    database: async () => {
      await database.ping();
      return { ok: true };
    },
    broker: () => broker.probe(),
  };
  const readiness = async (): Promise<ReadinessReport> => {
    if (lifecycle.shuttingDown)
      return { ok: false, checks: { lifecycle: { ok: false, detail: 'shutting down' } } };
    const entries = await Promise.all(
      Object.entries(probes).map(async ([name, probe]) => {
        try {
          return [name, await probe()] as const;
        } catch (error) {
          return [name, { ok: false, detail: error instanceof Error ? error.name : 'failed' }] as const;
        }
      }),
    );
    return { ok: entries.every(([, r]) => r.ok), checks: Object.fromEntries(entries) };
  };

  const { app } = createHttpApp({
    service: { name: definition.name, version: definition.version, description: definition.description },
    routes: definition.routes(context),
    logger,
    readiness,
    metrics,
    trustProxy: config.TRUST_PROXY,
    ...(idempotency === undefined ? {} : { idempotency }),
    ...(config.CORS_ORIGINS === undefined ? {} : { corsOrigins: config.CORS_ORIGINS }),
    ...(authenticator === undefined ? {} : { authenticator }),
  });

  // Routes and app first (a declaration error fails before anything runs), then the plugins, then
  // the server: requests only arrive once relays, consumers and keys are ready.
  for (const plugin of definition.plugins ?? []) {
    const running = await plugin.start(context);
    const { stop } = running;
    if (stop !== undefined) lifecycle.onShutdown(plugin.name, stop);
    Object.assign(probes, running.readiness);
  }

  const server = app.listen(config.PORT, config.HOST);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  lifecycle.onShutdown('http server', () => closeHttpServer(server));
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info('service started', { url, database: database.kind, port: address.port });

  return {
    config,
    url,
    server,
    database,
    logger,
    lifecycle,
    stop: () => lifecycle.shutdown('stop'),
  };
}
