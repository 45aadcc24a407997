import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';

const loadUrl = new URL('./load.ts', import.meta.url).href;
const exitUrl = new URL('./exit.ts', import.meta.url).href;
const schemaUrl = new URL('./base-schema.ts', import.meta.url).href;

/** Runs a tiny main.ts-like script in a real Node process, as a service would start. */
function start(env: Record<string, string>) {
  const script = `
    import { loadConfig } from ${JSON.stringify(loadUrl)};
    import { exitOnConfigError } from ${JSON.stringify(exitUrl)};
    import { baseConfigSchema } from ${JSON.stringify(schemaUrl)};
    import { Type } from '@sinclair/typebox';
    const schema = Type.Object({ ...baseConfigSchema.properties, CLIENT_SECRET: Type.String({ minLength: 64 }) });
    try {
      const config = loadConfig(schema, { envFile: false });
      console.log('started on ' + config.PORT);
    } catch (error) {
      exitOnConfigError(error);
    }
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });
}

describe('exitOnConfigError', () => {
  it('prints every problem to stderr and exits with status 1, without the secret', () => {
    const result = start({ PORT: 'abc', NODE_ENV: 'qa', CLIENT_SECRET: 'short-but-secret-hunter2' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Invalid configuration (3 problems):');
    expect(result.stderr).toContain('  - PORT: must be an integer (got "abc")');
    expect(result.stderr).toContain('  - NODE_ENV: must be one of: development, test, production');
    expect(result.stderr).toContain('  - CLIENT_SECRET: ');
    expect(result.stderr).not.toContain('hunter2');
  });

  it('lets a valid configuration start', () => {
    const result = start({ PORT: '4321', CLIENT_SECRET: 'x'.repeat(64) });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('started on 4321');
    expect(result.status).toBe(0);
  });

  it('rethrows errors that are not configuration errors', async () => {
    const { exitOnConfigError } = await import('./exit.ts');
    const boom = new Error('boom');
    expect(() => exitOnConfigError(boom)).toThrow(boom);
  });
});
