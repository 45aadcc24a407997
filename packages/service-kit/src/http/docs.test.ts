import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DOCS_CSP } from './docs.ts';
import type { TestApp } from './test-support.ts';
import { startTestApp } from './test-support.ts';

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp();
});
afterAll(() => api.close());

/** The URLs a page loads: script src, stylesheet and icon href. */
function referencedAssets(html: string): string[] {
  return [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
}

describe('GET /docs', () => {
  it('serves the Swagger UI page with a CSP that allows only this origin', async () => {
    const response = await fetch(`${api.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(DOCS_CSP);
    const csp = DOCS_CSP;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/https?:|'unsafe-eval'|\*/);
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-inline'/);
    const html = await response.text();
    expect(html).toContain('<div id="swagger-ui"></div>');
    expect(html).toContain('<title>users-test API reference</title>');
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>[^<]/); // no inline script
  });

  it('references only local assets, and each of them is served', async () => {
    const html = await (await fetch(`${api.url}/docs`)).text();
    const assets = referencedAssets(html);
    expect(assets).toEqual([
      'docs/swagger-ui.css',
      'docs/index.css',
      'docs/favicon-32x32.png',
      'docs/favicon-16x16.png',
      'docs/swagger-ui-bundle.js',
      'docs/init.js',
    ]);
    const expectedType: Record<string, RegExp> = { css: /^text\/css/, js: /javascript/, png: /^image\/png$/ };
    for (const asset of assets) {
      const url = new URL(asset, `${api.url}/docs`);
      expect(url.origin).toBe(api.url);
      const response = await fetch(url);
      expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
      const extension = asset.split('.').pop() ?? '';
      expect(response.headers.get('content-type')).toMatch(expectedType[extension] ?? /^$/);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it("starts Swagger UI on this service's /openapi.json with the online validator off", async () => {
    const script = await (await fetch(`${api.url}/docs/init.js`)).text();
    expect(script).toContain("url: 'openapi.json'");
    expect(script).toContain('validatorUrl: null');
    expect(new URL('openapi.json', `${api.url}/docs`).pathname).toBe('/openapi.json');
  });

  it('serves nothing else from the swagger-ui-dist package', async () => {
    expect((await fetch(`${api.url}/docs/package.json`)).status).toBe(404);
    expect((await fetch(`${api.url}/docs/swagger-ui-bundle.js.map`)).status).toBe(404);
    expect((await fetch(`${api.url}/docs/..%2fpackage.json`)).status).toBe(404);
  });

  it('answers other methods with 405', async () => {
    const response = await fetch(`${api.url}/docs`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });
});
