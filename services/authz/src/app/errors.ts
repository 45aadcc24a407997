/** The problems the authz use cases answer with (RFC 9457; stable `code`s, listed in docs/authz.md). */
import { type FieldError, ProblemError, problems } from '@authplatform/service-kit';

export function fieldProblem(pointer: string, code: string, detail: string): ProblemError {
  const error: FieldError = { pointer, code, detail };
  return problems.validation([error]);
}

export const notFound = (what: string) => problems.notFound(`${what} does not exist.`);

export function builtInRole(name: string): ProblemError {
  return new ProblemError({
    code: 'built_in_role',
    status: 409,
    title: 'Conflict',
    detail: `Role ${name} is built in and cannot be changed or deleted.`,
  });
}

export function cycle(code: string, detail: string): ProblemError {
  return new ProblemError({ code, status: 409, title: 'Conflict', detail });
}

export function revisionNotApplied(revision: string, waitedMs: number, cause?: unknown): ProblemError {
  return new ProblemError({
    code: 'revision_not_available',
    status: 503,
    title: 'Service unavailable',
    detail:
      `This instance has not applied revision ${revision} within ${waitedMs} ms. ` +
      'Retry, or use "minimize_latency" if a slightly older answer is acceptable.',
    headers: { 'Retry-After': '1' },
    extensions: { revision },
    cause,
  });
}
