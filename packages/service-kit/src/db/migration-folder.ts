import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Migration, MigrationProvider } from 'kysely/migration';
import { MigrationError } from './errors.ts';

/** `.ts` in development and tests (type stripping or jest), `.js` once built; never declarations. */
const MIGRATION_FILE = /^(?!.*\.d\.[mc]?ts$)(?!.*\.(test|spec)\.[mc]?[jt]s$).+\.(m?ts|m?js)$/;

function isMigration(value: unknown): value is Migration {
  return typeof value === 'object' && value !== null && typeof (value as Migration).up === 'function';
}

/**
 * Loads migrations from a folder with ESM `import()` by file URL. The file name without its
 * extension is the migration name, and names sort in application order (`0001_accounts.ts`).
 * A file exporting no `up` function (named or in a default export) is an error, not skipped.
 */
export class FolderMigrationProvider implements MigrationProvider {
  readonly #folder: string;

  constructor(folder: string | URL) {
    this.#folder = folder instanceof URL ? fileURLToPath(folder) : path.resolve(folder);
  }

  async getMigrations(): Promise<Record<string, Migration>> {
    let files: string[];
    try {
      files = (await readdir(this.#folder)).filter((f) => MIGRATION_FILE.test(f)).sort();
    } catch (err) {
      throw new MigrationError(`Cannot read migrations folder ${this.#folder}.`, { cause: err });
    }
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      const name = file.slice(0, file.lastIndexOf('.'));
      if (name in migrations) {
        throw new MigrationError(`Two files define migration ${name} in ${this.#folder}.`, {
          migration: name,
        });
      }
      let mod: Record<string, unknown>;
      try {
        mod = (await import(pathToFileURL(path.join(this.#folder, file)).href)) as Record<string, unknown>;
      } catch (err) {
        throw new MigrationError(`Cannot load migration ${file}.`, { cause: err, migration: name });
      }
      const migration = isMigration(mod.default) ? mod.default : isMigration(mod) ? mod : undefined;
      if (!migration) {
        throw new MigrationError(`Migration ${file} exports no up() function.`, { migration: name });
      }
      migrations[name] = migration;
    }
    return migrations;
  }
}
