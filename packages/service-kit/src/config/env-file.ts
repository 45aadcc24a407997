import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';

/**
 * Reads a dotenv file with Node's own parser (`util.parseEnv`, the one behind `--env-file`).
 * Returns `undefined` when the file does not exist.
 */
export function readEnvFile(path: string): Record<string, string> | undefined {
  const file = resolve(path);
  if (!existsSync(file)) return undefined;
  const parsed = parseEnv(readFileSync(file, 'utf8'));
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value === 'string') vars[name] = value;
  }
  return vars;
}
