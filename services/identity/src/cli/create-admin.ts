/**
 * `identity create-admin --email <address> [--name <name>] [--password-stdin] [--schema <schema>]`
 * (`node dist/cli/create-admin.js …`, or `pnpm --filter @authplatform/identity create-admin -- …`).
 *
 * Creates the first administrator in the identity database (`DATABASE_URL`; without it the
 * embedded database under `DATA_DIR`, default `.data`, which must not be open by a running service):
 * a verified account, registered with `signup_method: 'bootstrap_admin'` so authz gives it
 * `platform-admin` once the service's outbox relay publishes the event. The password is read from
 * stdin with `--password-stdin` (first line), otherwise generated and printed once. The schema is
 * migrated first. Exit codes: 0 created, 1 refused (bad input, weak password), 3 the address is
 * already taken (nothing changed), 2 usage. `--schema` only for a deployment (or test) whose identity
 * schema is not named `identity`.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createDatabase, migrateToLatest } from '@authplatform/service-kit';
import { CreateAdminError, createAdmin } from '../app/admin/create-admin.ts';
import type { AccountsDatabase } from '../store/accounts/schema.ts';
import { migrations } from '../store/migrations/index.ts';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdin: AsyncIterable<string | Buffer>;
  out(line: string): void;
  err(line: string): void;
}

const USAGE =
  'usage: identity create-admin --email <address> [--name <name>] [--password-stdin] [--schema <schema>]';

async function readFirstLine(stdin: AsyncIterable<string | Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** Runs the command; returns the exit code. */
export async function runCreateAdmin(argv: string[], io: CliIo): Promise<number> {
  let values: {
    email?: string | undefined;
    name?: string | undefined;
    'password-stdin'?: boolean | undefined;
    schema?: string | undefined;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        schema: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.email === undefined || values.email === '') {
    io.err(USAGE);
    return 2;
  }
  const password = values['password-stdin'] === true ? await readFirstLine(io.stdin) : undefined;
  if (password === '') {
    io.err('--password-stdin: no password on stdin');
    return 1;
  }

  const database = await createDatabase<AccountsDatabase>({
    service: 'identity',
    databaseUrl: io.env.DATABASE_URL === '' ? undefined : io.env.DATABASE_URL,
    ...(values.schema === undefined ? {} : { schema: values.schema }),
    ...(io.env.DATA_DIR === undefined ? {} : { dataDir: io.env.DATA_DIR }),
    poolSize: 2,
  });
  try {
    await migrateToLatest(database, { migrations });
    const minLength = Number(io.env.PASSWORD_MIN_LENGTH);
    const outcome = await createAdmin(database.db, {
      email: values.email,
      password,
      name: values.name,
      ...(Number.isInteger(minLength) && minLength > 0 ? { passwordMinLength: minLength } : {}),
    });
    if (outcome.kind === 'exists') {
      io.err(`${outcome.email} already has an account (${outcome.userId}); nothing changed.`);
      return 3;
    }
    io.out(`created administrator ${outcome.email} (${outcome.userId})`);
    if (outcome.generatedPassword !== undefined) {
      io.out(`password (shown once, change it after the first login): ${outcome.generatedPassword}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof CreateAdminError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

// Run as a script (not when imported by tests).
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  runCreateAdmin(process.argv.slice(2), {
    env: process.env,
    stdin: process.stdin,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `create-admin failed: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
