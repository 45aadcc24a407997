/**
 * Reads the body of a route that declares one, in the media types the route accepts: JSON
 * (`application/json`, `application/*+json`) and/or form (`application/x-www-form-urlencoded`).
 * 415 for any other media type, 413 over the limit, 400 `malformed_json` for JSON bytes that do
 * not parse. Bodies are read only after the caller is authorized, and only for routes that declare
 * a body.
 *
 * Form bodies are decoded the WHATWG way (`URLSearchParams`: `+` is a space, percent-escapes are
 * UTF-8) into an object whose values are strings; a name that repeats becomes an array of its
 * values (the schema then decides: array-typed properties take it, any other answers 400
 * `repeated`). Names are set as own properties, so `__proto__` or `constructor` are plain keys.
 */

import type { Request, RequestHandler, Response } from 'express';
import express from 'express';
import { ProblemError } from '../errors/problem.ts';

export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/** Body-parser failures as problems; `undefined` when the error is not one of them. */
export function bodyParserProblem(error: unknown, limit: string): ProblemError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const type = (error as { type?: unknown }).type;
  if (typeof type !== 'string') return undefined;
  switch (type) {
    case 'entity.too.large':
      return new ProblemError({
        code: 'payload_too_large',
        status: 413,
        title: 'Payload too large',
        detail: `The request body exceeds ${limit}.`,
        cause: error,
      });
    case 'entity.parse.failed':
      return new ProblemError({
        code: 'malformed_json',
        status: 400,
        title: 'Malformed JSON',
        detail: 'The request body is not valid JSON.',
        cause: error,
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return unsupportedMediaType('The request body encoding or charset is not supported.', error);
    case 'request.aborted':
    case 'request.size.invalid':
      return new ProblemError({
        code: 'bad_request',
        status: 400,
        title: 'Bad request',
        detail: 'The request body could not be read.',
        cause: error,
      });
    default:
      return undefined;
  }
}

export function unsupportedMediaType(detail: string, cause?: unknown): ProblemError {
  return new ProblemError({
    code: 'unsupported_media_type',
    status: 415,
    title: 'Unsupported media type',
    detail,
    cause,
  });
}

function run(middleware: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    middleware(req, res, (error?: unknown) => (error === undefined ? resolve() : reject(error)));
  });
}

/** Whether the request carries content (an empty `Content-Length: 0` body counts as none). */
function hasContent(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length']);
  return Number.isFinite(length) && length > 0;
}

/** How a route accepts its body: `json` (the default), `form`, or both. */
export type BodyType = 'json' | 'form';

export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** What was read: the decoded body and which of the accepted types it came as. */
export interface ReadBody {
  type: BodyType;
  value: unknown;
}

/** Reads the body in one of `accepted`; `undefined` when the request has none. */
export type BodyReader = (
  req: Request,
  res: Response,
  accepted: readonly BodyType[],
) => Promise<ReadBody | undefined>;

/** A decoded form body: each name once, repeated names as arrays of their values. */
export type FormBody = Record<string, string | string[]>;

/** Decodes `application/x-www-form-urlencoded` text (see the module comment). */
export function decodeForm(text: string): FormBody {
  const out: FormBody = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = Object.hasOwn(out, name) ? out[name] : undefined;
    const next =
      previous === undefined ? value : Array.isArray(previous) ? [...previous, value] : [previous, value];
    Object.defineProperty(out, name, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function describeAccepted(accepted: readonly BodyType[]): string {
  return accepted.map((type) => (type === 'json' ? 'application/json' : FORM_MEDIA_TYPE)).join(' or ');
}

/** Parsers for one limit, created once per distinct limit (routes may set their own). */
function parsersFor(limit: string) {
  return {
    // Content type is checked below; any JSON value is accepted here and the schema decides.
    json: express.json({ limit, strict: false, type: () => true }),
    // The form text is decoded by `decodeForm`; body-parser handles the limit, charset and encoding.
    form: express.text({ limit, type: () => true, defaultCharset: 'utf-8' }),
  };
}

/**
 * A reader for JSON and form bodies up to `limit` (e.g. `'100kb'`). A route's own `bodyLimit` is
 * applied by `readerWithLimit`.
 */
export function bodyReader(limit: string): BodyReader {
  const parsers = parsersFor(limit);
  return async (req, res, accepted) => {
    if (!hasContent(req)) return undefined;
    let type: BodyType;
    if (accepted.includes('json') && req.is(JSON_MEDIA_TYPES)) type = 'json';
    else if (accepted.includes('form') && req.is(FORM_MEDIA_TYPE)) type = 'form';
    else throw unsupportedMediaType(`The request body must be ${describeAccepted(accepted)}.`);
    try {
      await run(parsers[type], req, res);
    } catch (error) {
      throw bodyParserProblem(error, limit) ?? error;
    }
    if (type === 'json') return { type, value: req.body };
    return { type, value: decodeForm(typeof req.body === 'string' ? req.body : '') };
  };
}
