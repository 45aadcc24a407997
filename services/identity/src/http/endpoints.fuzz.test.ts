/**
 * quality.md "Security": every endpoint of identity fuzzed from its own OpenAPI document
 * (`describeEndpointFuzzing` of @authplatform/service-kit/testing, fast-check): malformed,
 * oversized, deeply nested and type-confused input answers 4xx, never 5xx, and a 4xx changes no
 * state — the row counts of every table of the service's schema, the outbox included.
 *
 * Requests carry credentials that get them past authentication, so the fuzzing reaches the
 * validation and the use cases: an admin token with every permission on admin routes, a token of a
 * fresh user (one per operation: DELETE /v1/me or POST /v1/logout end theirs) on the others, and
 * a client's Basic credentials on the OAuth endpoints.
 *
 * What a refused request is meant to leave behind is not counted as a change: failed logins and
 * wrong current passwords are recorded by design (the throttle's `attempt_counters`, and the
 * outbox's `identity.login.failed` / `identity.user.locked` audit events).
 */
import { describeEndpointFuzzing } from '@authplatform/service-kit/testing';
import {
  basic,
  createClient,
  createVerifiedUser,
  type IdentityHarness,
  loginTokens,
  startIdentityService,
  uniqueEmail,
} from './identity.test-support.ts';

const PASSWORD = 'a long enough passphrase 42';
/** Written by refused requests on purpose (see the module comment). */
const EXPECTED_TRACES = new Set(['attempt_counters']);
const AUDIT_OF_REFUSALS = ['identity.login.failed', 'identity.user.locked'];

let h: IdentityHarness;
let admin = '';
let clientAuth = '';
let countsSql = '';

async function userToken(): Promise<string> {
  const email = uniqueEmail('fuzz');
  await createVerifiedUser(h, email, PASSWORD);
  return (await loginTokens(h, email, PASSWORD)).access_token;
}

describeEndpointFuzzing({
  name: 'identity endpoints under schema-driven fuzzing',
  start: async () => {
    h = await startIdentityService({ env: { LOGIN_IP_LIMIT: '100000' } });
    admin = await h.adminToken(['*'], 'fuzz-admin');
    const client = await createClient(h, { name: 'Fuzz client' }, ['*']);
    clientAuth = basic(client.client_id, client.client_secret);
    const tables = (
      await h.query<{ table_name: string }>(
        `select table_name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
      )
    )
      .map((t) => t.table_name)
      .filter((t) => !EXPECTED_TRACES.has(t));
    const audit = AUDIT_OF_REFUSALS.map((t) => `'${t}'`).join(', ');
    countsSql = tables
      .map((t) =>
        t === 'outbox'
          ? `select 'outbox' as t, count(*)::int as n from outbox where type not in (${audit})`
          : `select '${t}' as t, count(*)::int as n from "${t}"`,
      )
      .join(' union all ');
    return { url: h.url, stop: () => h.stop() };
  },
  headers: async (operation) => {
    if (operation.path.startsWith('/v1/admin/')) return { authorization: `Bearer ${admin}` };
    if (operation.path.startsWith('/oauth2/') && operation.path !== '/oauth2/userinfo')
      return { authorization: clientAuth };
    if (
      operation.path.startsWith('/v1/me') ||
      operation.path === '/v1/logout' ||
      operation.path === '/oauth2/userinfo'
    )
      return { authorization: `Bearer ${await userToken()}` };
    return {};
  },
  stateProbe: async () => {
    const rows = await h.query<{ t: string; n: number }>(countsSql);
    return Object.fromEntries(rows.map((r) => [r.t, r.n]));
  },
  timeoutMs: 600_000,
});
