/**
 * Errors of the HTTP kit itself (not answers to clients): each has a stable `code`, and a `cause`
 * where one exists, in the style of panva/jose.
 */
import type { FieldError } from '../errors/problem.ts';

/** A route declaration (or a set of them) that cannot be served as declared. Thrown at start-up. */
export class RouteDefinitionError extends Error {
  readonly code = 'ERR_ROUTE_DEFINITION';
  /** `METHOD /path` of the offending route, when one route is at fault. */
  readonly route: string | undefined;

  constructor(message: string, route?: string, options?: { cause?: unknown }) {
    super(route === undefined ? message : `${route}: ${message}`, options);
    this.name = 'RouteDefinitionError';
    this.route = route;
  }
}

/**
 * A handler answered with something its declaration does not allow (undeclared status, or a body
 * that does not match the declared schema). This is a bug in the service; clients get a generic 500.
 */
export class ResponseValidationError extends Error {
  readonly code = 'ERR_RESPONSE_INVALID';
  readonly operationId: string;
  readonly status: number;
  /** Where the body breaks its schema (pointers under `/response/body`); never the values. */
  readonly errors: FieldError[];

  constructor(operationId: string, status: number, message: string, errors: FieldError[] = []) {
    super(`${operationId} answered ${status}: ${message}`);
    this.name = 'ResponseValidationError';
    this.operationId = operationId;
    this.status = status;
    this.errors = errors;
  }
}
