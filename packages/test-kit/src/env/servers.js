// How each stand-in server starts and stops. Every starter resolves to { host, port, stop }.

/** Credentials and database name of the Postgres test container (only reachable locally). */
export const CONTAINER_PG = { user: 'test', password: 'test', database: 'test' };

/** @returns {Promise<import('./lazy-endpoint.js').Upstream>} */
export async function startFauxqsServer() {
  const { startFauxqs } = await import('fauxqs');
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });
  return { host: '127.0.0.1', port: server.port, stop: () => server.stop() };
}

/** @returns {Promise<import('./lazy-endpoint.js').Upstream>} */
export async function startSesServer() {
  const pkg = await import('aws-ses-v2-local');
  /** @type {(config: { host: string, port: number }) => Promise<import('node:http').Server>} */
  const start = pkg.default.default ?? pkg.default;
  const server = await start({ host: '127.0.0.1', port: 0 });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('aws-ses-v2-local: no TCP address');
  return {
    host: '127.0.0.1',
    port: address.port,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve(undefined));
        server.closeAllConnections();
      }),
  };
}

/** @returns {Promise<import('./lazy-endpoint.js').Upstream>} */
export async function startPostgresContainer(
  image = process.env.TESTKIT_POSTGRES_IMAGE ?? 'postgres:17-alpine',
) {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(image)
    .withUsername(CONTAINER_PG.user)
    .withPassword(CONTAINER_PG.password)
    .withDatabase(CONTAINER_PG.database)
    .start();
  return {
    host: container.getHost(),
    port: container.getPort(),
    stop: async () => {
      await container.stop();
    },
  };
}

/** @returns {Promise<import('./lazy-endpoint.js').Upstream>} */
export async function startLocalstackContainer(
  image = process.env.TESTKIT_LOCALSTACK_IMAGE ?? 'localstack/localstack:4',
) {
  const { LocalstackContainer } = await import('@testcontainers/localstack');
  /** @type {Record<string, string>} */
  const environment = { SERVICES: 'sns,sqs', SQS_ENDPOINT_STRATEGY: 'path' };
  if (process.env.LOCALSTACK_AUTH_TOKEN)
    environment.LOCALSTACK_AUTH_TOKEN = process.env.LOCALSTACK_AUTH_TOKEN;
  const container = await new LocalstackContainer(image).withEnvironment(environment).start();
  return {
    host: container.getHost(),
    port: container.getPort(),
    stop: async () => {
      await container.stop();
    },
  };
}
