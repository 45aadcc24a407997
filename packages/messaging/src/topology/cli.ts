// Creates or updates the platform's SNS/SQS topology on the broker at AWS_ENDPOINT_URL (or AWS itself
// when unset, with the usual credential chain).
//   node --conditions=development src/topology/cli.ts --prefix dev [--no-prune] [--json]
import { parseArgs } from 'node:util';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { bootstrapTopology, type TopologyLogger } from './bootstrap.ts';
import { TopologyError } from './errors.ts';

const usage =
  'usage: cli.ts --prefix <env> [--no-prune] [--json]   (broker: AWS_ENDPOINT_URL, region: AWS_REGION)';

/** Where the CLI writes: the console by default. */
export interface CliOutput {
  log(message: string): void;
  error(message: string): void;
}

export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: CliOutput = console,
): Promise<number> {
  let values: { prefix?: string; 'no-prune'?: boolean; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        prefix: { type: 'string' },
        'no-prune': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    out.error(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (values.help) {
    out.log(usage);
    return 0;
  }
  const prefix = values.prefix ?? env.ENV_PREFIX;
  if (!prefix) {
    out.error(`--prefix is required\n${usage}`);
    return 2;
  }
  const config = {
    region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1',
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
    // Explicit keys from `env` when given; otherwise the SDK's default credential chain.
    ...(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } }
      : {}),
  };
  const sns = new SNSClient(config);
  const sqs = new SQSClient(config);
  const logger: TopologyLogger = {
    info: (message) => {
      if (!values.json) out.log(message);
    },
    warn: (message) => out.error(message),
  };
  try {
    const result = await bootstrapTopology({ sns, sqs, prefix, logger, prune: !values['no-prune'] });
    if (values.json) out.log(JSON.stringify(result, null, 2));
    return 0;
  } catch (error) {
    const code = error instanceof TopologyError ? error.code : 'bootstrap_failed';
    out.error(`topology bootstrap failed (${code}): ${(error as Error).message}`);
    return 1;
  } finally {
    sns.destroy();
    sqs.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
