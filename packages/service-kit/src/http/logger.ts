/** The logging surface the HTTP layer needs; a winston `Logger` satisfies it. */
export interface HttpLogger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

/** A loggable description of any thrown value: name, code, message, stack and causes (3 deep). */
export function describeError(error: unknown, depth = 0): Record<string, unknown> | string {
  if (!(error instanceof Error)) return String(error).slice(0, 500);
  const out: Record<string, unknown> = { name: error.name, message: error.message };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' || typeof code === 'number') out.code = code;
  if (error.stack !== undefined) out.stack = error.stack;
  if (error.cause !== undefined && depth < 3) out.cause = describeError(error.cause, depth + 1);
  return out;
}
