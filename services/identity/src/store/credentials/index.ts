export * as credentialTokensMigration from './0006_credential_tokens.ts';
export type { CredentialsStore } from './credentials-store.ts';
export { credentialsStore } from './credentials-store.ts';
export type { AccountDeletionsTable, CredentialsDatabase, CredentialTokensTable } from './schema.ts';
