export { type BaseConfig, baseConfigSchema, LOG_LEVELS, type LogLevel } from './base-schema.ts';
export { coerceEnvValue } from './coerce.ts';
export { ConfigError, type ConfigIssue, formatConfigIssues } from './errors.ts';
export { exitOnConfigError } from './exit.ts';
export { type LoadConfigOptions, loadConfig } from './load.ts';
export { isSecretVariable } from './secrets.ts';
