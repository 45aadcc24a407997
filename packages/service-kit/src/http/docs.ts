/**
 * `GET /docs`: Swagger UI for `/openapi.json`, served from the swagger-ui-dist files on disk. The
 * page loads nothing from elsewhere: its Content-Security-Policy allows only this origin (plus the
 * `data:` images Swagger UI's stylesheet embeds and the inline styles its components set), and
 * the online validator badge is turned off.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Express, RequestHandler } from 'express';
import { methodNotAllowedHandler } from './error-handler.ts';

export const DOCS_PATH = '/docs';
export const OPENAPI_PATH = '/openapi.json';

export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** The swagger-ui-dist files the page needs; nothing else of the package is served. */
const ASSETS = [
  'swagger-ui.css',
  'index.css',
  'swagger-ui-bundle.js',
  'favicon-32x32.png',
  'favicon-16x16.png',
];

function swaggerUiDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('swagger-ui-dist/package.json'));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// Asset URLs are relative (`docs/…` from `/docs`), so the page also works behind a path prefix.
function page(title: string): string {
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>${escapeHtml(title)} API reference</title>
    <link rel="stylesheet" href="docs/swagger-ui.css">
    <link rel="stylesheet" href="docs/index.css">
    <link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="docs/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="docs/swagger-ui-bundle.js"></script>
    <script src="docs/init.js"></script>
  </body>
</html>
`;
}

const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: 'openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'BaseLayout',
  });
});
`;

function labelled(handler: RequestHandler): RequestHandler {
  return (req, res, next) => {
    res.locals.route = DOCS_PATH;
    res.setHeader('Content-Security-Policy', DOCS_CSP);
    handler(req, res, next);
  };
}

/** Registers `/docs` and its assets (each GET only; other methods get 405). */
export function mountDocs(app: Express, title: string): void {
  const dir = swaggerUiDir();
  const html = page(title);
  const only = (path: string, handler: RequestHandler) => {
    app.get(path, labelled(handler));
    app.all(path, methodNotAllowedHandler(DOCS_PATH, ['GET', 'HEAD']));
  };
  only(DOCS_PATH, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(html);
  });
  only(`${DOCS_PATH}/init.js`, (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('js').send(INIT_SCRIPT);
  });
  for (const asset of ASSETS) {
    only(`${DOCS_PATH}/${asset}`, (_req, res, next) => {
      // `root` keeps the dot-file check on the asset name (pnpm keeps packages under `.pnpm/`).
      res.sendFile(asset, { root: dir, maxAge: '1h' }, (error) => {
        if (error && !res.headersSent) next(error); // otherwise the client went away mid-file
      });
    });
  }
}

/** Registers `GET /openapi.json` with the document serialized once. */
export function mountOpenApi(app: Express, document: object): void {
  const json = JSON.stringify(document);
  app.get(OPENAPI_PATH, (_req, res) => {
    res.locals.route = OPENAPI_PATH;
    res.setHeader('Cache-Control', 'no-cache');
    res.type('json').send(json);
  });
  app.all(OPENAPI_PATH, methodNotAllowedHandler(OPENAPI_PATH, ['GET', 'HEAD']));
}
