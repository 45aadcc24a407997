/**
 * `BOOTSTRAP_ADMIN_EMAIL` / `BOOTSTRAP_ADMIN_PASSWORD`: on start, create the first administrator
 * when the address is not taken yet (idempotent: later starts, and other instances, find it and do
 * nothing). Without `BOOTSTRAP_ADMIN_PASSWORD` a password is generated and written once to
 * `<DATA_DIR>/bootstrap-admin-password` (mode 0600; never logged), the way to hand it over on an
 * unattended start; set the variable to avoid the file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ServiceContext, ServicePlugin } from '@authplatform/service-kit';
import { type TProperties, Type } from '@sinclair/typebox';
import type { AccountsDatabase } from '../../store/accounts/schema.ts';
import { createAdmin } from './create-admin.ts';

/** To add to the service's config (config.ts). */
export const bootstrapAdminConfig = {
  BOOTSTRAP_ADMIN_EMAIL: Type.Optional(
    Type.String({
      maxLength: 254,
      description: 'On start, create this administrator when the address is not taken',
    }),
  ),
  BOOTSTRAP_ADMIN_PASSWORD: Type.Optional(
    Type.String({
      maxLength: 128,
      description:
        'Its password (policy applies); when absent one is generated into <DATA_DIR>/bootstrap-admin-password (0600)',
    }),
  ),
};

interface BootstrapConfigValues {
  BOOTSTRAP_ADMIN_EMAIL?: string | undefined;
  BOOTSTRAP_ADMIN_PASSWORD?: string | undefined;
  PASSWORD_MIN_LENGTH?: number | undefined;
  DEFAULT_LOCALE?: string | undefined;
  DEFAULT_TIMEZONE?: string | undefined;
}

type BootstrapContext = Pick<ServiceContext<TProperties>, 'config' | 'database' | 'logger'>;

/** Creates the bootstrap administrator from the config, if one is configured and not there yet. */
export async function bootstrapAdmin(context: BootstrapContext): Promise<void> {
  const config = context.config as unknown as BootstrapConfigValues;
  const email = config.BOOTSTRAP_ADMIN_EMAIL?.trim();
  if (email === undefined || email === '') return;
  const password = config.BOOTSTRAP_ADMIN_PASSWORD === '' ? undefined : config.BOOTSTRAP_ADMIN_PASSWORD;
  const outcome = await createAdmin(context.database.db.withTables<AccountsDatabase>(), {
    email,
    password,
    ...(config.PASSWORD_MIN_LENGTH === undefined ? {} : { passwordMinLength: config.PASSWORD_MIN_LENGTH }),
    ...(config.DEFAULT_LOCALE === undefined ? {} : { locale: config.DEFAULT_LOCALE }),
    ...(config.DEFAULT_TIMEZONE === undefined ? {} : { timezone: config.DEFAULT_TIMEZONE }),
  });
  if (outcome.kind === 'exists') return;
  context.logger.info('bootstrap administrator created', { user_id: outcome.userId });
  if (outcome.generatedPassword !== undefined) {
    // Never through the logs (they redact it, and log pipelines keep lines): a file only the
    // service's user can read, created once, named in the log line.
    const dataDir = (context.config as unknown as { DATA_DIR?: string }).DATA_DIR ?? '.data';
    await mkdir(dataDir, { recursive: true });
    const file = resolve(dataDir, 'bootstrap-admin-password');
    await writeFile(file, `${outcome.generatedPassword}\n`, { mode: 0o600, flag: 'wx' });
    context.logger.warn(
      'bootstrap administrator password generated; read it once, then delete the file and change it',
      {
        email: outcome.email,
        file,
      },
    );
  }
}

/** The same as a service plugin: `plugins: [keysPlugin(), bootstrapAdminPlugin(), messagingPlugin(...)]`. */
export function bootstrapAdminPlugin<P extends TProperties>(): ServicePlugin<P> {
  return {
    name: 'bootstrap admin',
    start: async (context) => {
      await bootstrapAdmin(context as unknown as BootstrapContext);
      return {};
    },
  };
}
