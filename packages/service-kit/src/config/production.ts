import type { ConfigIssue } from './errors.ts';

/**
 * Refusals that apply to every service when `NODE_ENV=production`. Only variables the service's
 * schema declares are checked. `config` is the coerced input, which may not have passed validation.
 */
export function baseProductionIssues(
  declared: ReadonlySet<string>,
  config: Readonly<Record<string, unknown>>,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (declared.has('DATABASE_URL') && (config.DATABASE_URL === undefined || config.DATABASE_URL === '')) {
    issues.push({
      variable: 'DATABASE_URL',
      reason: 'is required in production (the embedded PGlite database is for development only)',
    });
  }
  const jwksUrl = config.JWKS_URL;
  if (
    declared.has('JWKS_URL') &&
    typeof jwksUrl === 'string' &&
    !jwksUrl.toLowerCase().startsWith('https://')
  ) {
    issues.push({ variable: 'JWKS_URL', reason: 'must use https in production' });
  }
  const origins = config.CORS_ORIGINS;
  if (declared.has('CORS_ORIGINS') && Array.isArray(origins) && origins.includes('*')) {
    issues.push({ variable: 'CORS_ORIGINS', reason: 'must not contain the wildcard "*" in production' });
  }
  return issues;
}

const PREFIXED = /^([A-Z][A-Z0-9_]*):\s*(.+)$/s;

/** Turns the `"VAR: reason"` strings of a service's production rules into issues. */
export function toIssues(messages: readonly string[]): ConfigIssue[] {
  return messages.map((message) => {
    const match = PREFIXED.exec(message);
    if (match?.[1] !== undefined && match[2] !== undefined) return { variable: match[1], reason: match[2] };
    return { variable: 'NODE_ENV', reason: `production refuses this setting: ${message}` };
  });
}
