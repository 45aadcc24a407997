/**
 * Verifications per second of `createJwksAuthenticator` on one core (one Node thread).
 * Run: node --conditions=development src/auth/jwks.bench.ts [seconds per scenario, default 3]
 *
 * Scenarios, measured in the same run:
 * - raw ECDSA: node:crypto P-256 signature checks alone, the physical limit of a full verification;
 * - every token new: the verified-token cache disabled, so each call parses the header, looks up
 *   the key and runs jwt.verify (this is the figure for a token seen for the first time);
 * - 1,000 active tokens: the default configuration with 1,000 distinct tokens presented in turn,
 *   as when 1,000 users or clients call a service with their 15-minute access tokens.
 * Bar (quality.md): ≥ 20,000 verifications/s per core.
 */
import { verify as cryptoVerify, sign } from 'node:crypto';
import { cpus } from 'node:os';
import { createJwksAuthenticator } from './jwks.ts';
import { startTestIssuer } from './testing/test-issuer.ts';

const seconds = Number(process.argv[2] ?? 3);
const BAR = 20_000;

async function measure(run: () => Promise<unknown> | unknown): Promise<number> {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) await run();
  let count = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 100; i++) await run();
    count += 100;
  }
  return count / ((performance.now() - started) / 1000);
}

const issuer = await startTestIssuer({ audience: 'bench' });
try {
  const key = issuer.keys[0];
  if (key === undefined) throw new Error('no key');
  const options = { jwksUrl: issuer.jwksUrl, issuer: issuer.issuer, audience: 'bench' };

  const data = Buffer.from('x'.repeat(600));
  const signature = sign('sha256', data, key.privateKey); // DER: the fastest form node:crypto checks
  const raw = await measure(() => cryptoVerify('sha256', data, key.publicKey, signature));

  const claims = {
    permissions: ['users:read', 'users:write', 'roles:read'],
    roles: ['admin'],
    scope: 'openid',
  };
  const uncached = createJwksAuthenticator({ ...options, verifiedCacheSize: 0 });
  const one = issuer.sign(claims);
  await uncached.verify(one);
  const cold = await measure(() => uncached.verify(one));

  const cached = createJwksAuthenticator(options);
  const tokens = Array.from(
    { length: 1000 },
    (_, i) => `Bearer ${issuer.sign({ ...claims, sub: `user-${i}` })}`,
  );
  let next = 0;
  const warm = await measure(() => cached.authenticate(tokens[next++ % tokens.length]));

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(
    `JWKS verification, one core (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}, ${seconds} s each`,
  );
  console.log(`  raw node:crypto ECDSA P-256 verify   ${fmt(raw)} /s   (physical limit of a full check)`);
  console.log(
    `  every token new (no cache)           ${fmt(cold)} /s   (${((cold / raw) * 100).toFixed(0)} % of raw)`,
  );
  console.log(
    `  1,000 active tokens (default)        ${fmt(warm)} /s   bar ${BAR.toLocaleString('en-US')}/s: ${warm >= BAR ? 'met' : 'NOT met'}`,
  );
  console.log(`verifications_per_second=${Math.round(warm)}`);
} finally {
  await issuer.close();
}
