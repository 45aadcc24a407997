import { TestKitError } from '../errors.ts';

/**
 * What jest's globalSetup (src/jest/global-setup.js, which makes the choice in src/env/detect.js)
 * hands to the test workers through the `TESTKIT_RESOURCES` variable.
 */
export const RESOURCES_ENV = 'TESTKIT_RESOURCES';

export type DatabaseResource =
  | { kind: 'postgres'; source: 'DATABASE_URL' | 'testcontainers'; url: string }
  | { kind: 'pglite'; source: 'pglite' };

export interface AwsEndpointResource {
  source: string;
  endpoint: string;
  region: string;
}

export interface TestResources {
  database: DatabaseResource;
  /** `source`: `AWS_ENDPOINT_URL`, `localstack` or `fauxqs`. */
  broker: AwsEndpointResource;
  /** `source`: `SES_ENDPOINT_URL` or `aws-ses-v2-local`. */
  email: AwsEndpointResource;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isEndpoint(v: unknown): v is AwsEndpointResource {
  return (
    isObject(v) &&
    typeof v.endpoint === 'string' &&
    typeof v.region === 'string' &&
    typeof v.source === 'string'
  );
}

function isDatabase(v: unknown): v is DatabaseResource {
  if (!isObject(v)) return false;
  if (v.kind === 'pglite') return true;
  return v.kind === 'postgres' && typeof v.url === 'string';
}

/** The resources of this jest run; throws `testkit_not_set_up` outside the preset's globalSetup. */
export function testResources(env: NodeJS.ProcessEnv = process.env): TestResources {
  const raw = env[RESOURCES_ENV];
  if (!raw) {
    throw new TestKitError(
      'testkit_not_set_up',
      `${RESOURCES_ENV} is not set: run jest with the config from @authplatform/test-kit/jest.preset.js ` +
        '(its globalSetup provides the database, broker and email endpoints).',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new TestKitError('testkit_not_set_up', `${RESOURCES_ENV} is not valid JSON.`, err);
  }
  if (
    !isObject(parsed) ||
    !isDatabase(parsed.database) ||
    !isEndpoint(parsed.broker) ||
    !isEndpoint(parsed.email)
  ) {
    throw new TestKitError('testkit_not_set_up', `${RESOURCES_ENV} does not describe the test resources.`);
  }
  return { database: parsed.database, broker: parsed.broker, email: parsed.email };
}

/** Static credentials for emulators; real ones from the environment when present. */
export function awsCredentials(env: NodeJS.ProcessEnv = process.env): {
  accessKeyId: string;
  secretAccessKey: string;
} {
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? 'test',
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? 'test',
  };
}
