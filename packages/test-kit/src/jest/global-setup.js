// jest globalSetup (plain JS: jest imports it natively, outside the TypeScript transform).
// Decides the backends once, opens lazy local endpoints for the stand-ins it has to run, and hands
// everything to the test workers through the TESTKIT_RESOURCES variable (workers inherit the env).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chooseBackends, describeBackends } from '../env/detect.js';
import { lazyEndpoint } from '../env/lazy-endpoint.js';
import {
  CONTAINER_PG,
  startFauxqsServer,
  startLocalstackContainer,
  startPostgresContainer,
  startSesServer,
} from '../env/servers.js';

/** Name of the variable read by src/env/resources.ts. */
export const RESOURCES_ENV = 'TESTKIT_RESOURCES';
/** Where globalTeardown finds what to close (globalSetup and globalTeardown share one process). */
export const STATE_KEY = Symbol.for('authplatform.test-kit.state');

const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);

/**
 * @param {{ outputFile?: string, rootDir?: string }} [globalConfig] jest's global config
 */
export default async function globalSetup(globalConfig) {
  // `jest --json --outputFile=reports/jest.json` does not create the folder itself.
  if (globalConfig?.outputFile) {
    mkdirSync(path.dirname(path.resolve(globalConfig.rootDir ?? process.cwd(), globalConfig.outputFile)), {
      recursive: true,
    });
  }
  const backends = await chooseBackends();
  /** @type {Array<import('../env/lazy-endpoint.js').LazyEndpoint>} */
  const endpoints = [];
  const region = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  try {
    /** @type {Record<string, unknown>} */
    let database;
    if (backends.database.source === 'testcontainers') {
      const pg = await lazyEndpoint('Postgres container', () => startPostgresContainer(), log);
      endpoints.push(pg);
      const { user, password, database: name } = CONTAINER_PG;
      database = {
        kind: 'postgres',
        source: 'testcontainers',
        url: `postgres://${user}:${password}@127.0.0.1:${pg.port}/${name}`,
      };
    } else {
      database = backends.database;
    }

    /** @type {string} */
    let brokerEndpoint;
    if (backends.broker.source === 'AWS_ENDPOINT_URL') {
      brokerEndpoint = backends.broker.endpoint;
    } else {
      const start =
        backends.broker.source === 'localstack' ? () => startLocalstackContainer() : startFauxqsServer;
      const broker = await lazyEndpoint(backends.broker.source, start, log);
      endpoints.push(broker);
      brokerEndpoint = `http://127.0.0.1:${broker.port}`;
    }

    /** @type {string} */
    let emailEndpoint;
    if (backends.email.source === 'SES_ENDPOINT_URL') {
      emailEndpoint = backends.email.endpoint;
    } else {
      const ses = await lazyEndpoint('aws-ses-v2-local', startSesServer, log);
      endpoints.push(ses);
      emailEndpoint = `http://127.0.0.1:${ses.port}`;
    }

    process.env[RESOURCES_ENV] = JSON.stringify({
      database,
      broker: { source: backends.broker.source, endpoint: brokerEndpoint, region },
      email: { source: backends.email.source, endpoint: emailEndpoint, region },
    });
  } catch (err) {
    await Promise.allSettled(endpoints.map((e) => e.close()));
    throw err;
  }
  /** @type {Record<symbol, unknown>} */ (globalThis)[STATE_KEY] = { endpoints };
  log(describeBackends(backends));
}
