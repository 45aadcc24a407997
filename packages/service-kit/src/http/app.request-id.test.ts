import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validate as isUuid, version as uuidVersion } from 'uuid';
import type { TestApp } from './test-support.ts';
import { sendJson, startTestApp } from './test-support.ts';

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp();
});
afterAll(() => api.close());

function accessLines(requestId: string | null) {
  return api.logger.entries.filter((e) => e.message === 'http request' && e.meta.request_id === requestId);
}

/** Access lines are written when the response finishes, which may be just after the client has it. */
async function accessLine(requestId: string | null) {
  for (let i = 0; i < 50 && accessLines(requestId).length === 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  return accessLines(requestId);
}

describe('request ids', () => {
  it('generates a UUIDv7 when the caller sends none, and echoes it', async () => {
    const response = await fetch(`${api.url}/healthz`);
    const id = response.headers.get('x-request-id');
    expect(id !== null && isUuid(id) && uuidVersion(id)).toBe(7);
  });

  it('gives each request its own id', async () => {
    const [a, b] = await Promise.all([fetch(`${api.url}/healthz`), fetch(`${api.url}/healthz`)]);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
  });

  it('keeps a safe incoming id and puts it in problem bodies', async () => {
    const id = 'gw-2024.06_abc-123';
    const response = await fetch(`${api.url}/v1/missing`, { headers: { 'X-Request-Id': id } });
    expect(response.headers.get('x-request-id')).toBe(id);
    expect(await response.json()).toMatchObject({ request_id: id });
  });

  it.each([
    ['too long', 'a'.repeat(129)],
    ['with spaces', 'abc def'],
    ['with markup', '<script>alert(1)</script>'],
    ['with a CRLF-looking payload', 'abc%0d%0aSet-Cookie:x=1'],
    ['with non-ASCII characters', 'id-é'],
  ])('replaces an unsafe incoming id (%s)', async (_case, unsafe) => {
    const response = await fetch(`${api.url}/healthz`, { headers: { 'X-Request-Id': unsafe } });
    const id = response.headers.get('x-request-id');
    expect(id).not.toBe(unsafe);
    expect(id !== null && isUuid(id)).toBe(true);
  });

  it('accepts an id of exactly 128 safe characters', async () => {
    const id = 'a'.repeat(128);
    const response = await fetch(`${api.url}/healthz`, { headers: { 'X-Request-Id': id } });
    expect(response.headers.get('x-request-id')).toBe(id);
  });

  it('gives handlers the request id', async () => {
    const response = await sendJson(
      `${api.url}/v1/users`,
      'POST',
      { email: 'nope' },
      { 'x-request-id': 'req-1' },
    );
    expect(await response.json()).toMatchObject({ request_id: 'req-1' });
  });
});

describe('access log', () => {
  it('writes one line per request with method, route pattern, status, duration and id', async () => {
    const response = await fetch(`${api.url}/v1/users/0190a6e2-3c4b-7def-8123-456789abcdef?secret=1`, {
      headers: { authorization: 'Bearer reader-token', 'x-request-id': 'log-line-1' },
    });
    expect(response.status).toBe(400);
    const lines = await accessLine('log-line-1');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line?.level).toBe('info');
    expect(Object.keys(line?.meta ?? {}).sort()).toEqual([
      'duration_ms',
      'method',
      'request_id',
      'route',
      'status',
    ]);
    expect(line?.meta).toMatchObject({ method: 'GET', route: '/v1/users/{id}', status: 400 });
    expect(typeof line?.meta.duration_ms).toBe('number');
  });

  it('never logs headers, query strings or bodies', async () => {
    await sendJson(
      `${api.url}/v1/users?token=query-secret`,
      'POST',
      { email: 'body-secret@example.com' },
      {
        authorization: 'Bearer header-secret',
        'x-request-id': 'log-line-2',
      },
    );
    await accessLine('log-line-2');
    const text = api.logger.text();
    expect(text).not.toContain('query-secret');
    expect(text).not.toContain('body-secret');
    expect(text).not.toContain('header-secret');
  });

  it('labels unmatched paths as such, and probes at debug level', async () => {
    await fetch(`${api.url}/wp-admin/login.php`, { headers: { 'x-request-id': 'log-line-3' } });
    expect((await accessLine('log-line-3'))[0]?.meta).toMatchObject({ route: 'unmatched', status: 404 });
    await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': 'log-line-4' } });
    expect((await accessLine('log-line-4'))[0]).toMatchObject({
      level: 'debug',
      meta: { route: '/healthz' },
    });
  });
});
