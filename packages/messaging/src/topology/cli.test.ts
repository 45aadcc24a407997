import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { topology } from '@authplatform/contracts';
import { type TestBroker, testBroker } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { main } from './cli.ts';

let broker: TestBroker;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  broker = testBroker();
  env = {
    AWS_ENDPOINT_URL: broker.endpoint,
    AWS_REGION: broker.region,
    AWS_ACCESS_KEY_ID: broker.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: broker.credentials.secretAccessKey,
  };
});

afterAll(async () => {
  await broker?.cleanup();
});

describe('topology CLI', () => {
  it('bootstraps the topology under --prefix at AWS_ENDPOINT_URL and prints the result as JSON', async () => {
    const prefix = `${broker.prefix}cli`;
    const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
    // Asynchronous: the broker may be served from this very process (jest in band).
    const run = async () => {
      const out = await promisify(execFile)(
        process.execPath,
        ['--conditions=development', cli, '--prefix', prefix, '--json'],
        { env: { ...env, PATH: process.env.PATH }, encoding: 'utf8', timeout: 60_000 },
      );
      expect(out.stderr).toBe('');
      return JSON.parse(out.stdout);
    };
    const result = await run();
    expect(Object.keys(result.queueUrls).sort()).toEqual(topology.queues.map((q) => q.id).sort());
    expect(result.topicArns['identity-events']).toMatch(new RegExp(`:${prefix}-identity-events$`));
    expect(result.changes.length).toBeGreaterThan(0);
    expect((await run()).changes).toEqual([]);
  }, 90_000);

  it('answers usage errors with status 2 and broker failures with status 1, saying why', async () => {
    const lines: string[] = [];
    const out = {
      log: (m: string) => lines.push(`out: ${m}`),
      error: (m: string) => lines.push(`err: ${m}`),
    };
    expect(await main([], {}, out)).toBe(2);
    expect(lines.pop()).toMatch(/^err: --prefix is required\nusage: /);
    expect(await main(['--bogus'], {}, out)).toBe(2);
    expect(lines.pop()).toMatch(/^err: Unknown option '--bogus'/);
    expect(await main(['--prefix', 'dev-'], env, out)).toBe(1);
    expect(lines.pop()).toMatch(/^err: topology bootstrap failed \(invalid_prefix\)/);
    expect(await main(['--help'], {}, out)).toBe(0);
    expect(lines.pop()).toMatch(/^out: usage: /);
  });
});
