import { ConfigError } from './errors.ts';

/**
 * For `main.ts`: prints a `ConfigError`'s list of problems to stderr and exits with status 1.
 * Any other error is rethrown untouched, so it keeps its stack and normal handling.
 */
export function exitOnConfigError(error: unknown): never {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\nThe service did not start. Fix the variables above and retry.\n`);
  process.exit(1);
}
