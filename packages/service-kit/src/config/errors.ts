/** One bad or missing configuration variable and why it was refused. */
export interface ConfigIssue {
  /** The environment variable name, e.g. `PORT`. */
  variable: string;
  /** Human reason; never contains the value of a secret-looking variable. */
  reason: string;
}

/**
 * Thrown by `loadConfig` when any variable is missing, malformed or refused in production.
 * `issues` lists every problem at once, so an operator fixes them in one go.
 */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    super(formatConfigIssues(issues), options);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.reason}`);
  return [`Invalid configuration (${count}):`, ...lines].join('\n');
}
