/**
 * Test support of the identity service: `service` (src/service.ts) exactly as it ships — its own
 * config, migrations, routes and plugins — started for real on Postgres (a schema per suite) and the
 * in-process fauxqs broker, with one of two token set-ups:
 *
 * - `tokens: 'own'` (default): the service verifies bearer tokens against its own JWKS (it is its
 *   own `TOKEN_ISSUER`), so user tokens from `/v1/login` work on `/v1/me...`, and admin tokens are
 *   minted with its own signing keys (`adminToken`);
 * - `tokens: 'test-issuer'`: bearer tokens come from a separate test issuer (`testIssuer.sign`), for
 *   suites that forge tokens with chosen claims.
 *
 * Pass `logs` to capture the service's winston output (JSON lines) instead of discarding it.
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, type RunningService, startService } from '@authplatform/service-kit';
import { serviceTestEnv, startTestIssuer, type TestIssuer } from '@authplatform/service-kit/testing';
import { type TestBroker, type TestDatabase, testBroker, testDatabase } from '@authplatform/test-kit';
import type { TProperties } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { type CredentialsDeps, credentialsFor } from '../app/credentials/deps.ts';
import { keysFor } from '../app/keys/keys-module.ts';
import { service } from '../service.ts';
import type { AdminDatabase } from '../store/admin/admin-users-store.ts';
import type { ClaimsDatabase } from '../store/claims/schema.ts';
import type { ClientsDatabase } from '../store/clients/schema.ts';
import type { CredentialsDatabase } from '../store/credentials/schema.ts';
import type { SessionsDatabase } from '../store/sessions/schema.ts';

export const TEST_AUDIENCE = 'authplatform-test';
export const TEST_PEPPER = Buffer.alloc(32, 7).toString('base64');
export const TEST_LINK_BASE_URL = 'https://app.example.test';

/** Every table of the service (the outbox and inbox are read with `outbox()` / `query`). */
export type IdentityDatabase = SessionsDatabase &
  CredentialsDatabase &
  ClientsDatabase &
  ClaimsDatabase &
  AdminDatabase;

export interface OutboxRow {
  kind: 'event' | 'command';
  type: string;
  payload: { id: string; type: string; subject?: string; data: Record<string, unknown> };
}

export interface LoggedIn {
  token: string;
  sessionId: string;
}

export interface LoginTokens {
  access_token: string;
  refresh_token: string;
  session_id: string;
}

export interface IdentityHarnessOptions {
  env?: Record<string, string>;
  tokens?: 'own' | 'test-issuer';
  /** Receives every log line of the service (JSON); the level is then `debug` unless `env.LOG_LEVEL`. */
  logs?: (line: string) => void;
}

export interface IdentityHarness {
  url: string;
  running: RunningService<TProperties>;
  database: TestDatabase;
  broker: TestBroker;
  db: Kysely<IdentityDatabase>;
  /** The same database, for suites that name the credentials tables' type. */
  cdb: Kysely<CredentialsDatabase>;
  /** `TOKEN_ISSUER` of the service (its own URL, or the test issuer's). */
  issuer: string;
  jwksUrl: string;
  /** The test issuer (`tokens: 'test-issuer'` only). */
  testIssuer: TestIssuer | undefined;
  /** An admin access token with these permissions (own keys, or the test issuer's). */
  adminToken(permissions: string[], sub?: string): string | Promise<string>;
  /** The running service's credentials module (to shorten the reset floor in a test, say). */
  deps(): CredentialsDeps;
  keys(): ReturnType<typeof keysFor>;
  outbox(): Promise<OutboxRow[]>;
  /** Raw SQL (test-controlled text only) in the service's schema. */
  query<T>(text: string): Promise<T[]>;
  exec(text: string): Promise<void>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  postForm(path: string, params: Record<string, string>, headers?: Record<string, string>): Promise<Response>;
  get(path: string, token: string): Promise<Response>;
  del(path: string, token: string): Promise<Response>;
  request(method: string, path: string, body?: unknown, token?: string): Promise<Response>;
  login(email: string, password: string, userAgent?: string): Promise<LoggedIn>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A writable that hands each complete line to `sink`. */
function lineStream(sink: (line: string) => void): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line !== '') sink(line);
      callback();
    },
  });
}

/** Starts `service` on a port chosen first, so `TOKEN_ISSUER` and `JWKS_URL` can name it. */
export async function startIdentityService(options: IdentityHarnessOptions = {}): Promise<IdentityHarness> {
  const database = await testDatabase();
  const broker = testBroker();
  const testIssuer = options.tokens === 'test-issuer' ? await startTestIssuer() : undefined;
  const port = await freePort();
  const own = `http://127.0.0.1:${port}`;
  const issuer = testIssuer?.issuer ?? own;
  const jwksUrl = testIssuer?.jwksUrl ?? `${own}/.well-known/jwks.json`;
  const env: Record<string, string | undefined> = {
    ...serviceTestEnv({ database, broker }),
    PORT: String(port),
    TOKEN_ISSUER: issuer,
    TOKEN_AUDIENCE: testIssuer?.audience ?? TEST_AUDIENCE,
    JWKS_URL: jwksUrl,
    ACCOUNT_LINK_BASE_URL: TEST_LINK_BASE_URL,
    CLIENT_SECRET_PEPPER: TEST_PEPPER,
    ...(options.logs === undefined ? {} : { LOG_LEVEL: 'debug' }),
    ...options.env,
  };
  const logger =
    options.logs === undefined
      ? undefined
      : createLogger({
          service: 'identity',
          level: (env.LOG_LEVEL ?? 'debug') as 'debug',
          stream: lineStream(options.logs),
        });
  let running: RunningService<TProperties>;
  try {
    running = (await startService(service, {
      env,
      envFile: false,
      schema: database.schema,
      exit: () => {},
      ...(logger === undefined ? {} : { logger }),
    })) as unknown as RunningService<TProperties>;
  } catch (error) {
    await testIssuer?.close();
    await broker.cleanup();
    await database.drop();
    throw error;
  }
  const url = running.url;
  const raw = running.database.db as Kysely<unknown>;
  const context = {
    config: running.config,
    database: running.database,
    logger: running.logger,
    lifecycle: { onShutdown: () => undefined },
  };
  const keys = () => keysFor(context as never);
  const json = (body: unknown) => ({
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const request = (method: string, path: string, body?: unknown, token?: string) =>
    fetch(`${url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      ...json(body),
    });
  return {
    url,
    running,
    database,
    broker,
    db: running.database.db.withTables<IdentityDatabase>(),
    cdb: running.database.db.withTables<CredentialsDatabase>(),
    issuer,
    jwksUrl,
    testIssuer,
    adminToken(permissions, sub = 'admin-1') {
      if (testIssuer !== undefined) return testIssuer.sign({ sub, permissions });
      return keys()
        .issueAccessToken({ sub, client_id: 'console', permissions })
        .then((issued) => issued.token);
    },
    deps: () => credentialsFor(context as never),
    keys,
    async outbox() {
      const result = await sql<OutboxRow>`select kind, type, payload from outbox order by seq`.execute(raw);
      return result.rows;
    },
    query: async <T>(text: string) => (await sql.raw<T>(text).execute(raw)).rows,
    async exec(text) {
      await sql.raw(text).execute(raw);
    },
    post(path, body, headers = {}) {
      return fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    },
    postForm(path, params, headers = {}) {
      return fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': FORM, ...headers },
        body: form(params),
      });
    },
    get(path, token) {
      return fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    },
    del(path, token) {
      return fetch(`${url}${path}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    },
    request,
    async login(email, password, userAgent = 'jest') {
      const res = await fetch(`${url}/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': userAgent },
        body: JSON.stringify({ email, password }),
      });
      if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { access_token: string; session_id: string };
      return { token: body.access_token, sessionId: body.session_id };
    },
    async stop() {
      await running.stop();
      await testIssuer?.close();
      await broker.cleanup();
      await database.drop();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The names of the former per-area harnesses, kept so that suites only changed their import.

export type AccountsHarness = IdentityHarness;
export type CredentialsHarness = IdentityHarness;
export type SessionsHarness = IdentityHarness;
/** The OAuth suites' view: `issuer` is the test issuer itself. */
export type OAuthHarness = Omit<IdentityHarness, 'issuer' | 'adminToken'> & {
  issuer: TestIssuer;
  adminToken(permissions: string[], sub?: string): string;
};

export const startAccountsService = (env: Record<string, string> = {}) => startIdentityService({ env });
export const startCredentialsService = startAccountsService;
export const startSessionsService = startAccountsService;

export async function startOAuthHarness(env: Record<string, string> = {}): Promise<OAuthHarness> {
  const h = await startIdentityService({ env, tokens: 'test-issuer' });
  const testIssuer = h.testIssuer as TestIssuer;
  return {
    ...h,
    issuer: testIssuer,
    adminToken: (permissions, sub = 'admin-1') => testIssuer.sign({ sub, permissions }),
  };
}

let counter = 0;
/** A fresh address per call (suites share nothing, but tests inside one suite must not collide). */
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}.${Date.now().toString(36)}.${counter}@example.test`;
}

/** The `token` of the link in the newest command of `type` to `email`. */
export async function linkTokenFor(
  h: Pick<IdentityHarness, 'outbox'>,
  type: string,
  email: string,
): Promise<string> {
  const rows = (await h.outbox()).filter(
    (r) =>
      r.kind === 'command' &&
      r.type === type &&
      (r.payload.data.recipient as { email: string }).email === email.toLowerCase(),
  );
  const last = rows.at(-1);
  if (last === undefined) throw new Error(`no ${type} command for ${email}`);
  const token = new URL((last.payload.data.template_data as { link: string }).link).searchParams.get('token');
  if (token === null) throw new Error('link without token');
  return token;
}

/** The token of the newest `send_email_verification` command to `email`. */
export function verificationTokenFor(h: Pick<IdentityHarness, 'outbox'>, email: string): Promise<string> {
  return linkTokenFor(h, 'send_email_verification', email);
}

/** Every link token in any command of the outbox. */
export async function allCommandTokens(h: Pick<IdentityHarness, 'outbox'>): Promise<string[]> {
  return (await h.outbox())
    .filter((r) => r.kind === 'command')
    .map((r) => (r.payload.data.template_data as { link?: string } | undefined)?.link)
    .filter((link): link is string => typeof link === 'string')
    .map((link) => new URL(link).searchParams.get('token') ?? '')
    .filter((t) => t !== '');
}

/** Signs up and verifies an account; returns its id. */
export async function createVerifiedUser(
  h: Pick<IdentityHarness, 'post' | 'outbox' | 'db'>,
  email: string,
  password: string,
): Promise<string> {
  const signup = await h.post('/v1/signup', { email, password });
  if (signup.status !== 202) throw new Error(`signup ${signup.status}: ${await signup.text()}`);
  const token = await verificationTokenFor(h, email);
  const confirm = await h.post('/v1/email-verification/confirm', { token });
  if (confirm.status !== 200) throw new Error(`confirm ${confirm.status}: ${await confirm.text()}`);
  const user = await h.db
    .selectFrom('users')
    .select('id')
    .where('email', '=', email.toLowerCase())
    .executeTakeFirstOrThrow();
  return user.id;
}

/** Live (not revoked) session ids of a user. */
export async function liveSessions(h: Pick<IdentityHarness, 'db'>, userId: string): Promise<string[]> {
  const rows = await h.db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  return rows.map((r) => r.id);
}

export async function loginTokens(
  h: Pick<IdentityHarness, 'post'>,
  email: string,
  password: string,
): Promise<LoginTokens> {
  const res = await h.post('/v1/login', { email, password });
  if (res.status !== 200) throw new Error(`login ${res.status}: ${await res.text()}`);
  return (await res.json()) as LoginTokens;
}

/** `grant_type=refresh_token` as the public first-party client. */
export function refresh(
  h: Pick<IdentityHarness, 'postForm'>,
  refreshToken: string,
  extra: Record<string, string> = {},
) {
  return h.postForm('/oauth2/token', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: 'platform',
    ...extra,
  });
}

/** `Authorization: Basic` for a client (RFC 6749 §2.3.1: form-urlencoded id and secret). */
export function basic(clientId: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
}

export function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

export const FORM = 'application/x-www-form-urlencoded';

/** POSTs a form to an OAuth endpoint (a full URL). */
export function postForm(
  url: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': FORM, ...headers }, body: form(params) });
}

export interface CreatedClient {
  client_id: string;
  client_secret: string;
  scopes: string[];
  permissions: string[];
}

export async function createClient(
  harness: Pick<IdentityHarness, 'url'> & { adminToken(p: string[]): string | Promise<string> },
  body: Record<string, unknown> = { name: 'Billing service' },
  permissions: string[] = ['clients:write', '*'],
): Promise<CreatedClient> {
  const res = await fetch(`${harness.url}/v1/admin/clients`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await harness.adminToken(permissions)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`createClient: ${res.status} ${await res.text()}`);
  return (await res.json()) as CreatedClient;
}

/** Row counts of every table of the service's schema (state must not change on refused input). */
export async function tableCounts(h: Pick<IdentityHarness, 'query'>): Promise<Record<string, number>> {
  const tables = await h.query<{ table_name: string }>(
    `select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`,
  );
  const counts: Record<string, number> = {};
  for (const { table_name: name } of tables) {
    const [row] = await h.query<{ n: string }>(`select count(*)::text as n from "${name}"`);
    counts[name] = Number(row?.n ?? 0);
  }
  return counts;
}
