/**
 * The end of the pipeline: 404 and 405 problems, and the final error handler. A `ProblemError` is
 * answered as it is; anything else is logged (with the request id and cause) and answered with a
 * generic 500 problem that reveals nothing of the original error.
 */
import { STATUS_CODES } from 'node:http';
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ProblemError, problems } from '../errors/problem.ts';
import { bodyParserProblem } from './body.ts';
import type { HttpLogger } from './logger.ts';
import { describeError } from './logger.ts';
import { requestIdOf, routeOf } from './request-id.ts';

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** Errors from express itself (http-errors style, e.g. a path that does not URL-decode). */
function clientError(error: unknown): ProblemError | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode, expose } = error as {
    status?: unknown;
    statusCode?: unknown;
    expose?: unknown;
  };
  const code = typeof status === 'number' ? status : statusCode;
  if (typeof code !== 'number' || code < 400 || code > 499 || expose === false) return undefined;
  const title = STATUS_CODES[code] ?? 'Bad Request';
  return new ProblemError({
    code: title.toLowerCase().replace(/[^a-z0-9]+/g, '_'),
    status: code,
    title,
    detail: 'The request could not be processed.',
    cause: error,
  });
}

/** Any thrown value as the problem the client gets. */
export function toProblem(error: unknown, bodyLimit: string): ProblemError {
  if (error instanceof ProblemError) return error;
  return bodyParserProblem(error, bodyLimit) ?? clientError(error) ?? problems.internal(error);
}

export function sendProblem(res: Response, problem: ProblemError): void {
  res.status(problem.status);
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.type(PROBLEM_MEDIA_TYPE).send(JSON.stringify(problem.toBody(requestIdOf(res))));
}

export function notFoundHandler(): RequestHandler {
  return (_req, res) => {
    res.locals.route = 'unmatched';
    sendProblem(res, problems.notFound('No endpoint matches this path.'));
  };
}

/** For a known path asked with a method it does not serve. */
export function methodNotAllowedHandler(path: string, allow: string[]): RequestHandler {
  const problem = problems.methodNotAllowed(allow);
  return (_req, res) => {
    res.locals.route = path;
    sendProblem(res, problem);
  };
}

export function errorHandler(logger: HttpLogger, bodyLimit: string): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const problem = toProblem(error, bodyLimit);
    if (problem.status >= 500) {
      logger.error('request failed', {
        request_id: requestIdOf(res),
        method: req.method,
        route: routeOf(res),
        status: problem.status,
        code: problem.code,
        err: describeError(problem === error ? (problem.cause ?? problem) : error),
      });
    }
    if (res.headersSent) {
      // Part of an answer is on the wire already: the only honest thing left is to cut it short.
      req.socket.destroy();
      return;
    }
    sendProblem(res, problem);
  };
}
