/**
 * End to end through the embedded runtime (issue 5, "Done means"): a sign-up in Portuguese makes
 * identity send `send_email_verification`, notifications renders it in pt-BR and sends it through SES
 * (aws-ses-v2-local here); the link in that email verifies the account, after which login works and
 * `/v1/me` says `email_verified`. Real processes, real broker, real SES emulator; nothing stubbed.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PLATFORM_SERVICES } from './platform.ts';
import { type RunningPlatform, startPlatform } from './runtime.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
// Ports of their own: apart from a developer's platform and from runtime.test.ts (offsets 20000-20200).
const OFFSET = 21_000;
const services = PLATFORM_SERVICES.map((s) => ({ ...s, port: s.port + OFFSET }));
const identityUrl = `http://127.0.0.1:${3001 + OFFSET}`;
const sesUrl = `http://127.0.0.1:${8005 + OFFSET}`;
// Embedded PGlite in a temporary folder, as a newcomer runs it (no DATABASE_URL).
const { DATABASE_URL: _ignored, ...baseEnv } = process.env;
const built = services.every((s) => existsSync(join(root, 'services', s.name, 'dist', 'main.js')));

interface StoredEmail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

async function waitForEmail(to: string, timeoutMs: number): Promise<StoredEmail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${sesUrl}/store`);
    const { emails } = (await res.json()) as { emails: StoredEmail[] };
    const found = emails.find((e) => e.destination.to.some((a) => a.toLowerCase().includes(to)));
    if (found !== undefined) return found;
    if (Date.now() > deadline)
      throw new Error(`no email to ${to} within ${timeoutMs} ms (${emails.length} in the store)`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const post = (path: string, body: unknown) =>
  fetch(`${identityUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('sign-up to verified account through the embedded runtime', () => {
  let platform: RunningPlatform;
  let dataDir: string;

  beforeAll(async () => {
    if (!built) throw new Error('build the services first (pnpm run build): the runtime starts their dist');
    dataDir = mkdtempSync(join(tmpdir(), 'runtime-e2e-'));
    platform = await startPlatform({
      root,
      dataDir,
      services,
      brokerPort: 4566 + OFFSET,
      sesPort: 8005 + OFFSET,
      env: { ...baseEnv, LOG_LEVEL: 'warn' },
      readyTimeoutMs: 140_000,
      log: () => {},
    });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends the verification email in Portuguese, and its link verifies the account', async () => {
    const email = `ana.${Date.now()}@example.test`;
    const password = 'Ponte-Estreita-Laranja-93!';
    const signup = await post('/v1/signup', {
      email,
      password,
      name: 'Ana Souza',
      locale: 'pt-BR',
      timezone: 'America/Sao_Paulo',
    });
    expect(signup.status).toBe(202);
    // Not verified yet: login refuses.
    expect((await post('/v1/login', { email, password })).status).toBe(401);

    const mail = await waitForEmail(email, 60_000);
    expect(mail.subject).toMatch(/^Confirme seu endereço de e-mail/);
    expect(mail.body.text).toContain('Ana Souza');
    expect(mail.body.text).toContain('Obrigado por se cadastrar');
    expect(mail.body.html).toContain('<html');
    const link = /https?:\/\/\S+[?&]token=([A-Za-z0-9_-]+)/.exec(mail.body.text ?? '');
    if (link === null) throw new Error(`no verification link in:\n${mail.body.text}`);
    const token = link[1] as string;
    // The HTML part carries the same link.
    expect(mail.body.html).toContain(token);

    const confirmed = await post('/v1/email-verification/confirm', { token });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.json()).toEqual({ email_verified: true });
    // Single use.
    expect((await post('/v1/email-verification/confirm', { token })).status).toBe(400);

    const login = await post('/v1/login', { email, password });
    expect(login.status).toBe(200);
    const { access_token } = (await login.json()) as { access_token: string };
    const me = await fetch(`${identityUrl}/v1/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email, email_verified: true, locale: 'pt-BR' });

    // Notifications accepts the same user token (verified offline against identity’s JWKS).
    const prefs = await fetch(`http://127.0.0.1:${3003 + OFFSET}/v1/me/preferences`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    expect(prefs.status).toBe(200);
  }, 120_000);
});
