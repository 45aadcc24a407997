export * as claimsProjectionMigration from './0007_claims_projection.ts';
export { type Claims, type ClaimsStore, claimsFor, claimsStore } from './claims-store.ts';
export type { ClaimsDatabase } from './schema.ts';
