export * as accountsMigration from './0004_accounts.ts';
export type { AccountsStore, NewSession, NewUser, Session, User } from './accounts-store.ts';
export { accountsStore } from './accounts-store.ts';
export type {
  AccountsDatabase,
  EmailVerificationTokensTable,
  SessionsTable,
  UsersTable,
} from './schema.ts';
