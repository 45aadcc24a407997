import { ProblemError } from '../../errors/problem.ts';
import { TokenError, type TokenErrorCode } from '../token-error.ts';

/** Awaits a promise that must reject with a `ProblemError`, and returns it. */
export async function rejection(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a ProblemError, but the promise resolved');
}

/** The stable reason code of a refused token: the `code` of the 401's `TokenError` cause. */
export function tokenErrorCode(error: ProblemError): TokenErrorCode | undefined {
  return error.cause instanceof TokenError ? error.cause.code : undefined;
}
