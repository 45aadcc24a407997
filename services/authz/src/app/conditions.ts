import { validateCondition } from '../domain/conditions.ts';
import { fieldProblem } from './errors.ts';

/** Refuses a condition that does not compile (or uses a literal invalid CIDR): 400 `invalid_condition`. */
export function requireValidCondition(expression: string, pointer: string): void {
  const result = validateCondition(expression);
  if (!result.ok) throw fieldProblem(pointer, 'invalid_condition', result.error);
}
