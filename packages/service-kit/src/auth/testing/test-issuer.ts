/**
 * A real local token issuer for tests: an HTTP server on 127.0.0.1 serving a JWKS, and ES256
 * signing of access tokens with the matching private keys. Not for production use.
 */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';

export interface TestKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as published (`kty`, `crv`, `x`, `y`, `kid`, `use`, `alg`). */
  jwk: Record<string, unknown>;
}

export interface SignOptions {
  /** Signing key; default the first published key. */
  kid?: string;
  /** Header `typ`; default `at+jwt`. */
  typ?: string;
  /** Lifetime in seconds from now; default 900. Ignored when `claims.exp` is given. */
  expiresInSec?: number;
}

export interface TestIssuer {
  /** `http://127.0.0.1:<port>`; also the tokens' default `iss`. */
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Published keys, in order. */
  keys: TestKey[];
  /** Number of JWKS requests served. */
  jwksRequests(): number;
  /** Signs an access token; `claims` override the defaults (`iss`, `aud`, `sub`, `iat`, `exp`, `jti`). */
  sign(claims?: Record<string, unknown>, options?: SignOptions): string;
  /** Creates a key; published at once unless `publish` is false. */
  addKey(options?: { publish?: boolean; kid?: string }): TestKey;
  /** Publishes a key created with `publish: false` (a rotation). */
  publish(kid: string): void;
  /** Removes a key from the JWKS (it can still sign). */
  unpublish(kid: string): void;
  /** Replaces the JWKS response body verbatim (for malformed documents). */
  setRawJwks(body: unknown): void;
  /** Status code of the JWKS endpoint (e.g. 503 to simulate an outage); default 200. */
  setStatus(status: number): void;
  /** `Cache-Control` of the JWKS response; default `public, max-age=300`. */
  setCacheControl(value: string): void;
  close(): Promise<void>;
}

export function createTestKey(kid: string = randomUUID()): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'ES256' };
  return { kid, privateKey, publicKey, jwk };
}

export async function startTestIssuer(options: { audience?: string } = {}): Promise<TestIssuer> {
  const all = new Map<string, TestKey>();
  const published: string[] = [];
  let requests = 0;
  let status = 200;
  let cacheControl = 'public, max-age=300';
  let raw: unknown;

  const server: Server = createServer((req, res) => {
    if (req.url !== '/.well-known/jwks.json') {
      res.writeHead(404).end();
      return;
    }
    requests += 1;
    const body = raw ?? { keys: published.map((kid) => all.get(kid)?.jwk) };
    res
      .writeHead(status, { 'content-type': 'application/jwk-set+json', 'cache-control': cacheControl })
      .end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const audience = options.audience ?? 'authplatform';

  const addKey: TestIssuer['addKey'] = ({ publish = true, kid } = {}) => {
    const key = createTestKey(kid);
    all.set(key.kid, key);
    if (publish) published.push(key.kid);
    return key;
  };
  addKey();

  const keyOf = (kid: string): TestKey => {
    const key = all.get(kid);
    if (key === undefined) throw new Error(`unknown test key ${kid}`);
    return key;
  };

  return {
    issuer,
    audience,
    jwksUrl: `${issuer}/.well-known/jwks.json`,
    get keys() {
      return published.map(keyOf);
    },
    jwksRequests: () => requests,
    sign(claims = {}, signOptions = {}) {
      const kid = signOptions.kid ?? published[0] ?? [...all.keys()][0] ?? '';
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        aud: audience,
        sub: 'user-1',
        iat: now,
        exp: now + (signOptions.expiresInSec ?? 900),
        jti: randomUUID(),
        client_id: 'console',
        ...claims,
      };
      return jwt.sign(payload, keyOf(kid).privateKey, {
        algorithm: 'ES256',
        keyid: kid,
        header: { alg: 'ES256', typ: signOptions.typ ?? 'at+jwt' },
      });
    },
    addKey,
    publish(kid) {
      keyOf(kid);
      if (!published.includes(kid)) published.push(kid);
    },
    unpublish(kid) {
      const index = published.indexOf(kid);
      if (index >= 0) published.splice(index, 1);
    },
    setRawJwks(body) {
      raw = body;
    },
    setStatus(value) {
      status = value;
    },
    setCacheControl(value) {
      cacheControl = value;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
