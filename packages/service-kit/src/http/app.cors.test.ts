import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { TestApp } from './test-support.ts';
import { KNOWN_USER_ID, startTestApp } from './test-support.ts';

const ALLOWED = 'https://console.example.com';

describe('CORS', () => {
  let api: TestApp;
  let closed: TestApp;
  beforeAll(async () => {
    api = await startTestApp({ corsOrigins: [ALLOWED] });
    closed = await startTestApp();
  });
  afterAll(async () => {
    await api.close();
    await closed.close();
  });

  it('allows a listed origin, exactly, without credentials', async () => {
    const res = await fetch(`${api.url}/healthz`, { headers: { origin: ALLOWED } });
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('answers a preflight from a listed origin with the allowed methods and headers', async () => {
    const res = await fetch(`${api.url}/v1/users/${KNOWN_USER_ID}`, {
      method: 'OPTIONS',
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('DELETE');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('gives an unlisted origin, or a look-alike of a listed one, no CORS headers', async () => {
    for (const origin of ['https://evil.example.com', `${ALLOWED}.evil.com`, 'null']) {
      const res = await fetch(`${api.url}/healthz`, { headers: { origin } });
      expect([origin, res.headers.get('access-control-allow-origin')]).toEqual([origin, null]);
    }
  });

  it('sends no CORS headers at all when no origin is configured', async () => {
    const res = await fetch(`${closed.url}/healthz`, { headers: { origin: ALLOWED } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });
});
