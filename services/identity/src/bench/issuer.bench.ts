/**
 * A local token issuer for the benchmark's seeding (the admin call that creates an OAuth client):
 * a JWKS on a loopback port and ES256 access tokens signed with its key. The same thing as
 * service-kit's `startTestIssuer`, which cannot be imported outside jest (`/testing` pulls in
 * `@jest/globals`).
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

export interface BenchIssuer {
  issuer: string;
  audience: string;
  jwksUrl: string;
  sign(claims: Record<string, unknown>): string;
  close(): Promise<void>;
}

export async function startBenchIssuer(audience: string): Promise<BenchIssuer> {
  const kid = randomUUID();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwks = JSON.stringify({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'ES256' }],
  });
  const server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' })
      .end(jwks);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    audience,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    sign: (claims) =>
      jwt.sign({ jti: randomUUID(), ...claims }, privateKey, {
        algorithm: 'ES256',
        keyid: kid,
        header: { alg: 'ES256', typ: 'at+jwt', kid },
        issuer,
        audience,
        expiresIn: 900,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
