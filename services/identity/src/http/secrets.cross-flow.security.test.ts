/**
 * events.md "Secrets never ride on topics": one queue subscribed (no filter) to every topic of the
 * platform receives what identity publishes while every identity flow runs — sign-up (also with a
 * taken address), verification, login ok and failed, lockout, refresh, reuse detection, logout,
 * password change and reset, email change, PATCH /v1/me, invitation, admin deletion, client creation
 * and secret rotation, client credentials, introspection, revocation, signing-key rotation. Every
 * secret used or received in those flows (passwords, access and refresh tokens, link tokens and the
 * links, client secrets, password hashes) is then searched for in every event delivered to the
 * queue, in every event row of the outbox, and in every log line the service wrote (winston, level
 * debug): none may appear.
 */
import { topology as platformTopology, type Topology } from '@authplatform/contracts';
import { bootstrapTopology, listDeadLetters } from '@authplatform/messaging';
import { createAwsClients } from '@authplatform/test-kit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  basic,
  createVerifiedUser,
  type IdentityHarness,
  linkTokenFor,
  loginTokens,
  refresh,
  startIdentityService,
  uniqueEmail,
  verificationTokenFor,
} from './identity.test-support.ts';

const THRESHOLD = 3;
const SPY_QUEUE = 'secrets-spy';

describe('no secret in any event or log line, across every identity flow', () => {
  let h: IdentityHarness;
  let aws: ReturnType<typeof createAwsClients>;
  let queueUrl: string;
  const logs: string[] = [];
  const secrets = new Set<string>();
  /** Remembers a secret (and, for a JWT, its signature on its own) and returns it. */
  const secret = (value: string): string => {
    expect(value.length).toBeGreaterThanOrEqual(8);
    secrets.add(value);
    const parts = value.split('.');
    if (parts.length === 3 && (parts[2] ?? '').length >= 16) secrets.add(parts[2] as string);
    return value;
  };
  const linkOf = async (type: string, email: string) => {
    const rows = (await h.outbox()).filter(
      (r) => r.type === type && (r.payload.data.recipient as { email: string }).email === email.toLowerCase(),
    );
    const link = (rows.at(-1)?.payload.data.template_data as { link?: string } | undefined)?.link;
    if (link === undefined) throw new Error(`no ${type} link for ${email}`);
    return link;
  };

  beforeAll(async () => {
    h = await startIdentityService({
      logs: (line) => logs.push(line),
      env: { LOCKOUT_THRESHOLD: String(THRESHOLD), LOGIN_IP_LIMIT: '1000' },
    });
    aws = createAwsClients(h.broker);
    // One queue of our own on all five event topics, raw delivery, no filter policy.
    const eventTopics = platformTopology.topics.filter((t) => (t.kind ?? 'events') === 'events');
    const spy: Topology = {
      topics: eventTopics,
      queues: [
        {
          id: SPY_QUEUE,
          consumer: 'audit',
          kind: 'events',
          visibilityTimeoutSec: 30,
          deadLetter: { id: `${SPY_QUEUE}-dlq`, maxReceiveCount: 8 },
        },
      ],
      subscriptions: eventTopics.map((t) => ({ topic: t.id, queue: SPY_QUEUE, types: [] })),
    };
    const created = await bootstrapTopology({
      sns: aws.sns as never, // test-kit's SDK clients; the same SDK as messaging's
      sqs: aws.sqs as never,
      prefix: h.running.config.ENV_PREFIX as string,
      topology: spy,
      prune: false,
    });
    expect(Object.keys(created.topicArns)).toHaveLength(5);
    queueUrl = created.queueUrls[SPY_QUEUE] as string;
  }, 120_000);

  afterAll(async () => {
    aws?.destroy();
    await h?.stop();
  });

  it('runs every flow, then finds no secret in events or logs', async () => {
    const mark = (await h.query<{ seq: string }>('select coalesce(max(seq), 0)::text as seq from outbox'))[0]
      ?.seq;

    // Sign-up, taken address, verification.
    const alice = uniqueEmail('alice');
    const p1 = secret('correct horse battery staple 1');
    expect((await h.post('/v1/signup', { email: alice, password: p1, name: 'Alice' })).status).toBe(202);
    expect(
      (await h.post('/v1/signup', { email: alice, password: secret('someone else tries this 2') })).status,
    ).toBe(202);
    secret(await linkOf('send_email_verification', alice));
    const verification = secret(await verificationTokenFor(h, alice));
    expect((await h.post('/v1/email-verification/confirm', { token: verification })).status).toBe(200);
    const [hashRow] = await h.query<{ password_hash: string }>(
      `select password_hash from users where email = '${alice.toLowerCase()}'`,
    );
    secret(hashRow?.password_hash ?? 'missing hash');

    // Login ok and failed; lockout of another account.
    const t1 = await loginTokens(h, alice, p1);
    secret(t1.access_token);
    secret(t1.refresh_token);
    expect(
      (await h.post('/v1/login', { email: alice, password: secret('wrong password for alice 3') })).status,
    ).toBe(401);
    const victim = uniqueEmail('victim');
    await createVerifiedUser(h, victim, secret('victim passphrase is long 4'));
    for (let i = 0; i < THRESHOLD + 1; i++) {
      await h.post('/v1/login', { email: victim, password: secret(`brute force guess number ${i}`) });
    }

    // Refresh, then reuse of the rotated-out token.
    const r1 = await refresh(h, t1.refresh_token);
    expect(r1.status).toBe(200);
    const rotated = (await r1.json()) as { access_token: string; refresh_token: string };
    secret(rotated.access_token);
    secret(rotated.refresh_token);
    await h.exec(`update refresh_tokens set used_at = now() - interval '1 hour' where used_at is not null`);
    expect((await refresh(h, t1.refresh_token)).status).toBe(400);

    // PATCH /v1/me, password change.
    const t2 = await loginTokens(h, alice, p1);
    secret(t2.access_token);
    secret(t2.refresh_token);
    expect(
      (await h.request('PATCH', '/v1/me', { name: 'Alice K', locale: 'pt-BR' }, t2.access_token)).status,
    ).toBe(200);
    const p2 = secret('a second long passphrase 5');
    expect(
      (
        await h.request(
          'POST',
          '/v1/me/password',
          { current_password: p1, new_password: p2 },
          t2.access_token,
        )
      ).status,
    ).toBe(200);

    // Password reset.
    expect((await h.post('/v1/password-reset', { email: alice })).status).toBe(202);
    secret(await linkOf('send_password_reset', alice));
    const reset = secret(await linkTokenFor(h, 'send_password_reset', alice));
    const p3 = secret('a third long passphrase 6');
    expect((await h.post('/v1/password-reset/confirm', { token: reset, new_password: p3 })).status).toBe(200);

    // Email change, then logout.
    const t3 = await loginTokens(h, alice, p3);
    secret(t3.access_token);
    secret(t3.refresh_token);
    const newAlice = uniqueEmail('alice.new');
    expect((await h.request('POST', '/v1/me/email', { new_email: newAlice }, t3.access_token)).status).toBe(
      202,
    );
    secret(await linkOf('send_email_verification', newAlice));
    const change = secret(await linkTokenFor(h, 'send_email_verification', newAlice));
    expect((await h.post('/v1/email-change/confirm', { token: change })).status).toBe(200);
    expect((await h.request('POST', '/v1/logout', undefined, t3.access_token)).status).toBe(204);

    // Admin: invitation and acceptance, unlock, deletion.
    const admin = secret(
      await h.adminToken(['users:write', 'users:read', 'clients:write', 'keys:rotate', '*']),
    );
    const grace = uniqueEmail('grace');
    const invited = await h.request('POST', '/v1/admin/users', { email: grace, name: 'Grace' }, admin);
    expect(invited.status).toBe(201);
    const { id: graceId } = (await invited.json()) as { id: string };
    secret(await linkOf('send_invitation', grace));
    const invitation = secret(await linkTokenFor(h, 'send_invitation', grace));
    const p4 = secret('grace picks a passphrase 7');
    expect((await h.post('/v1/invitation/accept', { token: invitation, new_password: p4 })).status).toBe(200);
    const graceTokens = await loginTokens(h, grace, p4);
    secret(graceTokens.access_token);
    secret(graceTokens.refresh_token);
    const [victimRow] = await h.query<{ id: string }>(
      `select id from users where email = '${victim.toLowerCase()}'`,
    );
    expect(
      (await h.request('POST', `/v1/admin/users/${victimRow?.id}/unlock`, undefined, admin)).status,
    ).toBe(204);
    expect((await h.request('DELETE', `/v1/admin/users/${graceId}`, undefined, admin)).status).toBe(204);

    // Clients: create, rotate, client credentials, introspection, revocation.
    const createdClient = await h.request('POST', '/v1/admin/clients', { name: 'Billing' }, admin);
    expect(createdClient.status).toBe(201);
    const client = (await createdClient.json()) as { client_id: string; client_secret: string };
    secret(client.client_secret);
    const rotatedSecret = await h.request(
      'POST',
      `/v1/admin/clients/${client.client_id}/secret`,
      undefined,
      admin,
    );
    expect(rotatedSecret.status).toBe(200);
    const s2 = secret(((await rotatedSecret.json()) as { client_secret: string }).client_secret);
    const auth = { authorization: basic(client.client_id, s2) };
    const cc = await h.postForm('/oauth2/token', { grant_type: 'client_credentials' }, auth);
    expect(cc.status).toBe(200);
    const ccToken = secret(((await cc.json()) as { access_token: string }).access_token);
    expect((await h.postForm('/oauth2/introspect', { token: ccToken }, auth)).status).toBe(200);
    expect((await h.postForm('/oauth2/introspect', { token: t2.access_token }, auth)).status).toBe(200);
    expect((await h.postForm('/oauth2/revoke', { token: ccToken }, auth)).status).toBe(200);
    const t4 = await loginTokens(h, newAlice, p3);
    secret(t4.access_token);
    secret(t4.refresh_token);
    expect(
      (
        await h.postForm('/oauth2/revoke', {
          token: t4.refresh_token,
          token_type_hint: 'refresh_token',
          client_id: 'platform',
        })
      ).status,
    ).toBe(200);

    // Signing keys.
    expect(
      (await h.request('POST', '/v1/admin/signing-keys/rotate?force=true', undefined, admin)).status,
    ).toBe(200);

    // Every flow left its events.
    const events = (await h.outbox()).filter((r) => r.kind === 'event');
    const types = new Set(events.map((r) => r.type));
    for (const type of [
      'identity.user.registered',
      'identity.user.email_verified',
      'identity.login.succeeded',
      'identity.login.failed',
      'identity.user.locked',
      'identity.user.unlocked',
      'identity.token.reuse_detected',
      'identity.session.revoked',
      'identity.user.updated',
      'identity.password.changed',
      'identity.password.reset_requested',
      'identity.user.email_changed',
      'identity.user.deleted',
      'identity.client.created',
      'identity.signing_key.rotated',
    ]) {
      expect(types).toContain(type);
    }

    // Wait until the relay has published every event of the flows, and the queue holds them all.
    const expected = await h.query<{ id: string }>(
      `select id from outbox where kind = 'event' and seq > ${Number(mark)}`,
    );
    const deadline = Date.now() + 30_000;
    let bodies: string[] = [];
    while (Date.now() < deadline) {
      const pending = await h.query<{ n: string }>(
        `select count(*)::text as n from outbox where sent_at is null and kind = 'event'`,
      );
      if (Number(pending[0]?.n) === 0) {
        const received = await listDeadLetters(
          { sqs: aws.sqs as never, dlqUrl: queueUrl },
          { limit: expected.length + 50, scanVisibilitySec: 1, waitTimeSeconds: 1 },
        );
        bodies = received.map((m) => m.body);
        const ids = new Set(received.map((m) => m.id));
        if (expected.every((e) => ids.has(e.id))) break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const receivedIds = new Set(bodies.map((b) => (JSON.parse(b) as { id: string }).id));
    expect(expected.filter((e) => !receivedIds.has(e.id))).toEqual([]);
    expect(bodies.length).toBeGreaterThanOrEqual(expected.length);

    // The search itself: events delivered, event rows of the outbox, log lines.
    expect(secrets.size).toBeGreaterThan(30);
    expect(logs.length).toBeGreaterThan(20);
    const eventRows = events.map((r) => JSON.stringify(r.payload));
    const leaks: string[] = [];
    for (const s of secrets) {
      if (bodies.some((b) => b.includes(s))) leaks.push(`topic: ${s.slice(0, 12)}…`);
      if (eventRows.some((b) => b.includes(s))) leaks.push(`outbox event: ${s.slice(0, 12)}…`);
      if (logs.some((l) => l.includes(s))) leaks.push(`log: ${s.slice(0, 12)}…`);
    }
    expect(leaks).toEqual([]);
    // The search can find what it looks for: the links are in the commands (by design, not on topics).
    const commands = (await h.outbox())
      .filter((r) => r.kind === 'command')
      .map((r) => JSON.stringify(r.payload));
    expect(commands.some((c) => c.includes(invitation))).toBe(true);
    expect(commands.some((c) => c.includes(reset))).toBe(true);
  }, 120_000);
});
