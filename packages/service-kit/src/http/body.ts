/**
 * Reads the JSON body of a route that declares one: 415 for anything that is not JSON, 413 over
 * the limit, 400 `malformed_json` for bytes that do not parse. Bodies are read only after the
 * caller is authorized, and only for routes that declare a body.
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

export type BodyReader = (req: Request, res: Response) => Promise<unknown>;

/** A reader for JSON bodies up to `limit` (e.g. `'100kb'`); `undefined` when the request has none. */
export function jsonBodyReader(limit: string): BodyReader {
  // Content type is checked below; any JSON value is accepted here and the schema decides.
  const parser = express.json({ limit, strict: false, type: () => true });
  return async (req, res) => {
    if (!hasContent(req)) return undefined;
    if (!req.is(JSON_MEDIA_TYPES)) {
      throw unsupportedMediaType('The request body must be application/json.');
    }
    try {
      await run(parser, req, res);
    } catch (error) {
      throw bodyParserProblem(error, limit) ?? error;
    }
    return req.body;
  };
}
