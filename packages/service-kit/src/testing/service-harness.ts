import type { TProperties } from '@sinclair/typebox';
import type { ServiceDefinition } from '../service/definition.ts';
import { type RunningService, startService } from '../service/start-service.ts';

/** Where a test's service finds its database and broker (what `@authplatform/test-kit` hands out). */
export interface ServiceTestResources {
  database: { url: string | undefined; schema: string; dataDir: string | undefined };
  broker: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    prefix: string;
  };
}

/** The environment a service gets in a test: its isolated schema and broker prefix, a free port. */
export function serviceTestEnv(resources: ServiceTestResources): Record<string, string | undefined> {
  const { database, broker } = resources;
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    DATABASE_URL: database.url,
    DATA_DIR: database.dataDir ?? '.data',
    AWS_ENDPOINT_URL: broker.endpoint,
    AWS_REGION: broker.region,
    AWS_ACCESS_KEY_ID: broker.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: broker.credentials.secretAccessKey,
    ENV_PREFIX: broker.prefix.replace(/-+$/, ''),
  };
}

/**
 * Starts a service in-process for a test, on a free port, with the test's schema and broker.
 * `stop()` shuts it down as SIGTERM would, without exiting the test process.
 */
export function startServiceForTest<P extends TProperties>(
  definition: ServiceDefinition<P>,
  resources: ServiceTestResources,
  env: Record<string, string | undefined> = {},
  exit: (code: number) => void = () => {},
): Promise<RunningService<P>> {
  return startService(definition, {
    env: { ...serviceTestEnv(resources), ...env },
    envFile: false,
    schema: resources.database.schema,
    exit,
  });
}
