import type { Static, TObject } from '@sinclair/typebox';
import { coerceEnvValue, type SchemaLike } from './coerce.ts';
import { readEnvFile } from './env-file.ts';
import { ConfigError, type ConfigIssue } from './errors.ts';
import { baseProductionIssues, toIssues } from './production.ts';
import { reasonFor } from './reasons.ts';
import { isSecretVariable } from './secrets.ts';
import { compileConfigSchema, type ErrorObject } from './validator.ts';

export interface LoadConfigOptions<T extends TObject> {
  /** Where variables come from; defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Dotenv file read first when `NODE_ENV` (from `env`) is unset or `development`; variables
   * already in `env` win over the file. Relative to the working directory. `false` disables it.
   * Default `.env`.
   */
  envFile?: string | false;
  /**
   * Service-specific refusals when `NODE_ENV=production`, each `"VARIABLE: reason"`. Called only
   * when the configuration is otherwise valid.
   */
  productionRules?: (config: Static<T>) => string[];
}

const MAX_ECHO = 60;

function echo(name: string, raw: string | undefined, schema: SchemaLike | undefined): string {
  if (raw === undefined) return '';
  if (isSecretVariable(name, { schema, value: raw })) return ' (value hidden)';
  const shown = raw.length > MAX_ECHO ? `${raw.slice(0, MAX_ECHO)}…` : raw;
  return ` (got ${JSON.stringify(shown)})`;
}

/** The variable an ajv error is about: `/PORT`, `/CORS_ORIGINS/0` → first segment; `required` → param. */
function variableOf(error: ErrorObject): string {
  if (error.keyword === 'required') return String(error.params.missingProperty);
  const segment = error.instancePath.split('/')[1] ?? '';
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

function withEnvFile(
  env: Record<string, string | undefined>,
  envFile: string | false | undefined,
): Record<string, string | undefined> {
  const nodeEnv = env.NODE_ENV;
  if (envFile === false || (nodeEnv !== undefined && nodeEnv !== '' && nodeEnv !== 'development')) return env;
  const fileVars = readEnvFile(envFile ?? '.env');
  if (fileVars === undefined) return env;
  if (env === process.env) {
    // Like `process.loadEnvFile`: SDKs that read process.env themselves (AWS, OpenTelemetry) see the file too.
    for (const [name, value] of Object.entries(fileVars)) {
      if (process.env[name] === undefined) process.env[name] = value;
    }
  }
  return { ...fileVars, ...env };
}

function deepFreeze<V>(value: V): V {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Reads, coerces and validates configuration from environment variables.
 *
 * Every key of `schema` is a variable name. Values are coerced from strings (numbers, `true`/`false`,
 * comma lists for arrays, JSON for objects), empty strings count as unset, and schema defaults fill
 * the gaps. Every bad or missing variable is reported in one `ConfigError` (code `config_invalid`);
 * values of secret-looking variables are never printed. With `NODE_ENV=production`, insecure settings
 * are refused too (see `baseProductionIssues` and `options.productionRules`).
 */
export function loadConfig<T extends TObject>(schema: T, options: LoadConfigOptions<T> = {}): Static<T> {
  const env = withEnvFile(options.env ?? process.env, options.envFile);
  const properties = schema.properties as Record<string, SchemaLike>;
  const names = Object.keys(properties);

  const input: Record<string, unknown> = {};
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue;
    input[name] = coerceEnvValue(raw, properties[name]);
  }

  const validate = compileConfigSchema(schema);
  const valid = validate(input);

  const byVariable = new Map<string, ErrorObject[]>();
  for (const error of valid ? [] : (validate.errors ?? [])) {
    const name = variableOf(error);
    byVariable.set(name, [...(byVariable.get(name) ?? []), error]);
  }
  const issues: ConfigIssue[] = [];
  for (const [name, errors] of byVariable) {
    const schemaOf = properties[name];
    if (errors.some((e) => e.keyword === 'required')) {
      issues.push({ variable: name, reason: 'is required but not set' });
      continue;
    }
    issues.push({ variable: name, reason: reasonFor(errors, schemaOf) + echo(name, env[name], schemaOf) });
  }

  const nodeEnv = 'NODE_ENV' in properties ? input.NODE_ENV : env.NODE_ENV;
  if (nodeEnv === 'production') {
    const seen = new Set(issues.map((issue) => issue.variable));
    for (const issue of baseProductionIssues(new Set(names), input)) {
      if (!seen.has(issue.variable)) issues.push(issue);
    }
    if (issues.length === 0 && options.productionRules !== undefined) {
      issues.push(...toIssues(options.productionRules(input as Static<T>)));
    }
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return deepFreeze(input as Static<T>);
}
