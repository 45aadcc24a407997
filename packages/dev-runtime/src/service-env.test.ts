import { describe, expect, it } from '@jest/globals';
import { PLATFORM_SERVICES } from './platform.ts';
import { serviceEnv } from './runtime.ts';

const named = (name: string) => {
  const service = PLATFORM_SERVICES.find((s) => s.name === name);
  if (service === undefined) throw new Error(name);
  return service;
};
const opts = (base: NodeJS.ProcessEnv) => ({
  dataDir: '.data',
  brokerUrl: 'http://127.0.0.1:4566',
  sesUrl: 'http://127.0.0.1:8005',
  identityUrl: 'http://127.0.0.1:3001',
  base,
});

describe('the environment of each service in the embedded runtime', () => {
  it('points every service at the emulators and at identity for tokens', () => {
    for (const service of PLATFORM_SERVICES) {
      expect(serviceEnv(service, opts({}))).toMatchObject({
        PORT: String(service.port),
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        SES_ENDPOINT_URL: 'http://127.0.0.1:8005',
        JWKS_URL: 'http://127.0.0.1:3001/.well-known/jwks.json',
        TOKEN_ISSUER: 'http://127.0.0.1:3001',
      });
    }
  });

  it('development conveniences (dev SMS outbox, local webhook receivers) only outside production', () => {
    expect(serviceEnv(named('notifications'), opts({})).DEV_OUTBOX).toBe('true');
    expect(serviceEnv(named('webhooks'), opts({})).WEBHOOKS_ALLOW_PRIVATE_TARGETS).toBe('true');
    expect(serviceEnv(named('identity'), opts({})).WEBHOOKS_ALLOW_PRIVATE_TARGETS).toBeUndefined();
    const production = { NODE_ENV: 'production' };
    expect(serviceEnv(named('notifications'), opts(production)).DEV_OUTBOX).toBeUndefined();
    expect(serviceEnv(named('webhooks'), opts(production)).WEBHOOKS_ALLOW_PRIVATE_TARGETS).toBeUndefined();
    expect(
      serviceEnv(named('webhooks'), opts({ WEBHOOKS_ALLOW_PRIVATE_TARGETS: 'false' }))
        .WEBHOOKS_ALLOW_PRIVATE_TARGETS,
    ).toBe('false');
  });
});
