import { messagingMigrations } from '@authplatform/messaging';
import type { Migration } from 'kysely/migration';
import * as accounts from '../accounts/0004_accounts.ts';
import * as invitations from '../admin/0008_invitations.ts';
import * as claimsProjection from '../claims/0007_claims_projection.ts';
import * as oauthClients from '../clients/0003_oauth_clients.ts';
import * as credentialTokens from '../credentials/0006_credential_tokens.ts';
import * as eventSequences from '../events/0011_event_sequences.ts';
import * as signingKeys from '../keys/0001_signing_keys.ts';
import * as refreshTokens from '../sessions/0005_refresh_tokens.ts';
import * as refreshRotation from '../sessions/0009_refresh_rotation.ts';
import * as attemptCounters from '../throttle/0002_attempt_counters.ts';
import * as attemptGate from '../throttle/0010_attempt_gate.ts';

/**
 * The identity service's migrations, applied in name order to its own schema: the messaging tables
 * (outbox, inbox) first, then the service's own. Add a file `NNNN_what.ts` exporting `up` (and
 * `down`) and list it here.
 */
export const migrations: Record<string, Migration> = {
  ...messagingMigrations,
  '0001_signing_keys': signingKeys,
  '0002_attempt_counters': attemptCounters,
  '0003_oauth_clients': oauthClients,
  '0004_accounts': accounts,
  '0005_refresh_tokens': refreshTokens,
  '0006_credential_tokens': credentialTokens,
  '0007_claims_projection': claimsProjection,
  '0008_invitations': invitations,
  '0009_refresh_rotation': refreshRotation,
  '0010_attempt_gate': attemptGate,
  '0011_event_sequences': eventSequences,
};
