import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from '@jest/globals';

const setupUrl = new URL('./global-setup.js', import.meta.url).href;
const teardownUrl = new URL('./global-teardown.js', import.meta.url).href;

// Runs globalSetup, uses the broker and the SES emulator once (which starts them), runs
// globalTeardown, and then must end by itself: no process.exit, so a leftover handle would hang it.
const script = `
const setup = (await import(${JSON.stringify(setupUrl)})).default;
const teardown = (await import(${JSON.stringify(teardownUrl)})).default;
await setup();
const resources = JSON.parse(process.env.TESTKIT_RESOURCES);
const broker = await fetch(resources.broker.endpoint + '/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListTopics&Version=2010-03-31' });
const topics = await broker.text();
const email = await fetch(resources.email.endpoint + '/store');
const store = await email.json();
console.log(JSON.stringify({ resources, broker: broker.status, topics, email: email.status, emails: store.emails }));
await teardown();
`;

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

describe('globalSetup / globalTeardown', () => {
  it('hand out endpoints, start the stand-ins on demand, and leave nothing running', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, TESTKIT_DOCKER: '0' };
    delete env.TESTKIT_RESOURCES;
    delete env.AWS_ENDPOINT_URL;
    delete env.SES_ENDPOINT_URL;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const began = performance.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect({ code, stderr }).toEqual({ code: 0, stderr: expect.stringContaining('test-kit: database=') });
    expect(performance.now() - began).toBeLessThan(15_000);

    const out = JSON.parse(stdout) as {
      resources: {
        broker: { source: string; endpoint: string };
        email: { source: string; endpoint: string };
      };
      broker: number;
      topics: string;
      email: number;
      emails: unknown[];
    };
    expect(out.resources.broker.source).toBe('fauxqs');
    expect(out.resources.email.source).toBe('aws-ses-v2-local');
    expect(out.broker).toBe(200);
    expect(out.topics).toContain('ListTopicsResponse');
    expect(out.email).toBe(200);
    expect(out.emails).toEqual([]);
    expect(stderr).toContain('test-kit: started fauxqs');
    expect(stderr).toContain('test-kit: started aws-ses-v2-local');
    // The ports the workers were given are closed now.
    expect(await refused(Number(new URL(out.resources.broker.endpoint).port))).toBe(true);
    expect(await refused(Number(new URL(out.resources.email.endpoint).port))).toBe(true);
  });
});
