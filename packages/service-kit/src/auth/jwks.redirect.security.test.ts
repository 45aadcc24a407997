import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createJwksAuthenticator } from './jwks.ts';
import { rejection, tokenErrorCode } from './testing/expect-problem.ts';
import { startTestIssuer, type TestIssuer } from './testing/test-issuer.ts';

describe('JWKS fetch and redirects', () => {
  let issuer: TestIssuer;
  let redirector: Server;
  let redirectUrl: string;

  beforeAll(async () => {
    issuer = await startTestIssuer({ audience: 'api' });
    // A JWKS URL that answers with a redirect to the real keys: verification must not follow it,
    // or an https URL could be bounced to plain http or to an internal address.
    redirector = createServer((_req, res) => {
      res.writeHead(302, { location: issuer.jwksUrl }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    redirectUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => redirector.close(resolve));
    await issuer.close();
  });

  it('refuses a token when the JWKS URL redirects, even to the right keys', async () => {
    const auth = createJwksAuthenticator({ jwksUrl: redirectUrl, issuer: issuer.issuer, audience: 'api' });
    const problem = await rejection(auth.authenticate(`Bearer ${issuer.sign({ sub: 'u1' })}`));
    expect(problem.status).toBe(401);
    expect(tokenErrorCode(problem)).toBe('jwks_unavailable');
  });

  it('accepts the same token from the URL itself', async () => {
    const auth = createJwksAuthenticator({ jwksUrl: issuer.jwksUrl, issuer: issuer.issuer, audience: 'api' });
    await expect(auth.authenticate(`Bearer ${issuer.sign({ sub: 'u1' })}`)).resolves.toMatchObject({
      sub: 'u1',
    });
  });
});
