// The one place that decides which database, broker and email backends the tests use.
// Runs in jest's globalSetup; workers read the outcome from the TESTKIT_RESOURCES variable.
import { isDockerAvailable } from './docker.js';

/**
 * @typedef {{ kind: 'postgres', source: 'DATABASE_URL', url: string }
 *   | { kind: 'postgres', source: 'testcontainers' }
 *   | { kind: 'pglite', source: 'pglite' }} DatabaseChoice
 * @typedef {{ source: 'AWS_ENDPOINT_URL', endpoint: string }
 *   | { source: 'localstack' } | { source: 'fauxqs' }} BrokerChoice
 * @typedef {{ source: 'SES_ENDPOINT_URL', endpoint: string } | { source: 'aws-ses-v2-local' }} EmailChoice
 * @typedef {{ database: DatabaseChoice, broker: BrokerChoice, email: EmailChoice, docker: boolean }} Backends
 */

/**
 * Order of preference: an explicit URL from the environment, then a container when a Docker
 * engine answers, then an in-process stand-in (PGlite, fauxqs, aws-ses-v2-local).
 * The Docker probe only runs when a choice depends on it.
 * @param {NodeJS.ProcessEnv} [env]
 * @param {() => Promise<boolean>} [dockerAvailable]
 * @returns {Promise<Backends>}
 */
export async function chooseBackends(env = process.env, dockerAvailable = () => isDockerAvailable({ env })) {
  const needsDocker = !env.DATABASE_URL || !env.AWS_ENDPOINT_URL;
  const docker = needsDocker ? await dockerAvailable() : false;
  /** @type {DatabaseChoice} */
  const database = env.DATABASE_URL
    ? { kind: 'postgres', source: 'DATABASE_URL', url: env.DATABASE_URL }
    : docker
      ? { kind: 'postgres', source: 'testcontainers' }
      : { kind: 'pglite', source: 'pglite' };
  /** @type {BrokerChoice} */
  const broker = env.AWS_ENDPOINT_URL
    ? { source: 'AWS_ENDPOINT_URL', endpoint: env.AWS_ENDPOINT_URL }
    : docker
      ? { source: 'localstack' }
      : { source: 'fauxqs' };
  /** @type {EmailChoice} */
  const email = env.SES_ENDPOINT_URL
    ? { source: 'SES_ENDPOINT_URL', endpoint: env.SES_ENDPOINT_URL }
    : { source: 'aws-ses-v2-local' };
  return { database, broker, email, docker };
}

/**
 * One line for the jest output.
 * @param {Backends} b
 */
export function describeBackends(b) {
  const db = b.database.kind === 'pglite' ? 'PGlite (temp dir per suite)' : `Postgres (${b.database.source})`;
  return `test-kit: database=${db}, broker=${b.broker.source}, email=${b.email.source}, docker=${b.docker ? 'yes' : 'no'}`;
}
