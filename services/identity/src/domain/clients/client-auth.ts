/**
 * Client authentication at the OAuth endpoints (RFC 6749 §2.3.1): `client_secret_basic` (HTTP
 * Basic with the form-urlencoded id and secret) or `client_secret_post` (`client_id` and
 * `client_secret` in the body). Using both at once is refused (§2.3: one method per request).
 */

export type ClientCredentials = {
  method: 'client_secret_basic' | 'client_secret_post';
  clientId: string;
  clientSecret: string;
};

export type CredentialsResult =
  | { ok: true; credentials: ClientCredentials }
  /** `invalid_request`: malformed or ambiguous; `invalid_client`: missing or unusable credentials. */
  | { ok: false; error: 'invalid_request' | 'invalid_client'; description: string };

const MAX_CREDENTIAL_LENGTH = 512;

function formDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const id = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (id === undefined || secret === undefined) return undefined;
  return { id, secret };
}

/** Reads the client's credentials from the `Authorization` header and the body parameters. */
export function readClientCredentials(
  authorization: string | undefined,
  params: { client_id?: string | undefined; client_secret?: string | undefined },
): CredentialsResult {
  const postId = params.client_id;
  const postSecret = params.client_secret;
  if (authorization !== undefined && authorization !== '') {
    if (postSecret !== undefined) {
      return {
        ok: false,
        error: 'invalid_request',
        description: 'Use one client authentication method, not both.',
      };
    }
    const basic = parseBasic(authorization);
    if (basic === undefined || basic.id === '' || basic.secret === '') {
      return { ok: false, error: 'invalid_client', description: 'Client authentication failed.' };
    }
    if (postId !== undefined && postId !== basic.id) {
      return {
        ok: false,
        error: 'invalid_request',
        description: 'client_id does not match the credentials.',
      };
    }
    return bounded({ method: 'client_secret_basic', clientId: basic.id, clientSecret: basic.secret });
  }
  if (postId !== undefined && postSecret !== undefined && postId !== '' && postSecret !== '') {
    return bounded({ method: 'client_secret_post', clientId: postId, clientSecret: postSecret });
  }
  return { ok: false, error: 'invalid_client', description: 'Client authentication failed.' };
}

function bounded(credentials: ClientCredentials): CredentialsResult {
  if (
    credentials.clientId.length > MAX_CREDENTIAL_LENGTH ||
    credentials.clientSecret.length > MAX_CREDENTIAL_LENGTH
  ) {
    return { ok: false, error: 'invalid_client', description: 'Client authentication failed.' };
  }
  return { ok: true, credentials };
}
