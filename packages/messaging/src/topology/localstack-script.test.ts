// localstack/init/ready.d/20-topology.sh: current, valid bash, and (with the AWS CLI at hand) it builds
// exactly the state bootstrapTopology builds.
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { buildTopology, type EventType, type ServiceName } from '@authplatform/contracts';
import { type AwsClients, createAwsClients, type TestBroker, testBroker } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bootstrapTopology } from './bootstrap.ts';
import { LOCALSTACK_SCRIPT_PATH, renderLocalstackScript } from './localstack-script.ts';

const STALE =
  'is stale: run `node --conditions=development src/topology/write-localstack-script.ts` in packages/messaging';

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      return statSync(join(dir, command)).isFile();
    } catch {
      return false;
    }
  });
}

let broker: TestBroker;
let clients: AwsClients;
let prefix: string;

beforeAll(() => {
  broker = testBroker();
  clients = createAwsClients(broker);
  prefix = broker.prefix.replace(/-$/, '');
});

afterAll(async () => {
  await broker?.cleanup();
  clients?.destroy();
});

describe('the LocalStack topology hook', () => {
  it('is the script generated from the topology, and executable', () => {
    const committed = readFileSync(LOCALSTACK_SCRIPT_PATH, 'utf8');
    if (committed !== renderLocalstackScript()) throw new Error(`${LOCALSTACK_SCRIPT_PATH} ${STALE}`);
    expect(committed).toBe(renderLocalstackScript());
    expect(statSync(LOCALSTACK_SCRIPT_PATH).mode & 0o111).not.toBe(0);
  });

  it('is valid bash and names every topic, queue and subscription of the topology', () => {
    expect(spawnSync('bash', ['-n', LOCALSTACK_SCRIPT_PATH]).status).toBe(0);
    const small = buildTopology({
      identity: [],
      authz: ['identity.user.registered'],
      notifications: [],
      webhooks: [],
      audit: [],
    } as Record<ServiceName, EventType[]>);
    const script = renderLocalstackScript(small);
    expect(script).toContain(
      'subscribe identity-events authz-inbox \'{"type":["identity.user.registered"]}\'',
    );
    expect(script).toMatch(/run queues authz-inbox-dlq '.*' \\\n {2}authz-inbox '.*"maxReceiveCount\\":8/);
    expect(script).not.toContain('audit-inbox');
  });

  // Needs the AWS CLI (LocalStack's `awslocal` is a wrapper around it); the CLI's start-up makes this
  // the slowest test of the package (about a minute on two cores).
  (onPath('aws') ? it : it.skip)(
    'creates, run against a broker, exactly what bootstrapTopology creates',
    async () => {
      const bin = mkdtempSync(join(tmpdir(), 'awslocal-'));
      try {
        writeFileSync(
          join(bin, 'awslocal'),
          '#!/bin/sh\nexec aws --endpoint-url "$AWSLOCAL_ENDPOINT" "$@"\n',
        );
        chmodSync(join(bin, 'awslocal'), 0o755);
        // Asynchronous: the broker may be served from this very process (jest in band).
        const { stdout } = await promisify(execFile)('bash', [LOCALSTACK_SCRIPT_PATH], {
          env: {
            PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
            HOME: process.env.HOME ?? bin,
            ENV_PREFIX: prefix,
            AWSLOCAL_ENDPOINT: broker.endpoint,
            AWS_DEFAULT_REGION: broker.region,
            AWS_ACCESS_KEY_ID: broker.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: broker.credentials.secretAccessKey,
          },
          encoding: 'utf8',
          timeout: 280_000,
        });
        expect(stdout).toContain(`authplatform: topology ready (prefix ${prefix})`);
      } finally {
        rmSync(bin, { recursive: true, force: true });
      }
      const result = await bootstrapTopology({ sns: clients.sns, sqs: clients.sqs, prefix });
      expect(result.changes).toEqual([]);
    },
    300_000,
  );
});
