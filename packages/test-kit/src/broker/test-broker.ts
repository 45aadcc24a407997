import { randomTag } from '../env/random.ts';
import { awsCredentials, testResources } from '../env/resources.ts';
import { type BrokerCleanup, deleteBrokerResources } from './cleanup.ts';

export interface AwsEndpoint {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface TestBroker extends AwsEndpoint {
  /** `AWS_ENDPOINT_URL`, `localstack` or `fauxqs`. */
  source: string;
  /** Start of every queue and topic name of this suite, e.g. `t1a2b3c4d5-`. */
  prefix: string;
  /** `prefix + base`: a queue or topic name owned by this suite. */
  name(base: string): string;
  /** Deletes this suite's queues, topics and subscriptions (`deleteBrokerResources` with `prefix`). */
  cleanup(): Promise<BrokerCleanup>;
}

/**
 * The SNS/SQS endpoint of this jest run with a name prefix unique to the calling suite: suites
 * share the broker and stay apart by name. Call `cleanup()` in `afterAll`.
 */
export function testBroker(): TestBroker {
  const { broker } = testResources();
  const prefix = `t${randomTag(10)}-`;
  const target = { endpoint: broker.endpoint, region: broker.region, credentials: awsCredentials(), prefix };
  return {
    ...target,
    source: broker.source,
    name: (base) => prefix + base,
    cleanup: () => deleteBrokerResources(target),
  };
}
