import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import type { ProblemBody } from '../errors/problem.ts';
import { RouteDefinitionError } from './errors.ts';
import { defineRoute } from './route.ts';
import type { TestApp } from './test-support.ts';
import { sendJson, startTestApp } from './test-support.ts';

const FORM = 'application/x-www-form-urlencoded';

const Callback = Type.Object({
  MessageSid: Type.String({ minLength: 2, maxLength: 64 }),
  MessageStatus: Type.Union([Type.Literal('sent'), Type.Literal('delivered'), Type.Literal('failed')]),
  ErrorCode: Type.Optional(Type.Integer()),
  Retry: Type.Optional(Type.Boolean()),
  Tag: Type.Optional(Type.Array(Type.String(), { maxItems: 3 })),
});

const Echo = Type.Object({}, { additionalProperties: true });

const OAuthError = Type.Object({ error: Type.String(), error_description: Type.String() });

const formRoutes = [
  defineRoute({
    method: 'post',
    path: '/v1/callbacks',
    operationId: 'formCallback',
    summary: 'A form-only endpoint',
    request: { body: Callback, bodyType: 'form', bodyLimit: '1kb' },
    responses: { 200: { description: 'What arrived, after coercion.', schema: Echo } },
    handler: async ({ body, reply }) => {
      // Typed from the schema: ErrorCode is a number, Retry a boolean.
      const code: number | undefined = body.ErrorCode;
      return reply(200, {
        ...body,
        code_type: typeof code,
        proto_intact: Object.getPrototypeOf(body) === Object.prototype,
      });
    },
  }),
  defineRoute({
    method: 'post',
    path: '/v1/either',
    operationId: 'formOrJson',
    summary: 'Form or JSON',
    request: {
      body: Type.Object({ n: Type.Integer(), s: Type.Optional(Type.String()) }),
      bodyType: ['form', 'json'],
    },
    responses: { 200: { description: 'What arrived.', schema: Echo } },
    handler: async ({ body, reply }) => reply(200, { ...body }),
  }),
  defineRoute({
    method: 'post',
    path: '/v1/oauth-like',
    operationId: 'oauthLike',
    summary: 'Own error format',
    request: {
      body: Type.Object(
        { grant_type: Type.String({ minLength: 1 }) },
        { additionalProperties: Type.String() },
      ),
      bodyType: ['form', 'json'],
      bodyLimit: '200b',
      bodyRequired: false,
    },
    responses: {
      200: { description: 'ok', schema: Echo },
      400: { description: 'RFC 6749 error', schema: OAuthError },
    },
    onInvalidRequest: (problem) => ({
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: `${problem.code}: ${(problem.errors ?? []).map((e) => `${e.pointer} ${e.code}`).join(', ')}`,
      },
    }),
    handler: async ({ body, reply }) => reply(200, { got: body === undefined ? 'nothing' : body }),
  }),
];

let api: TestApp;
beforeAll(async () => {
  api = await startTestApp({ extraRoutes: formRoutes });
});
afterAll(() => api.close());

const postForm = (path: string, body: string, contentType = FORM) =>
  fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

async function problemOf(response: Response): Promise<ProblemBody> {
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  return (await response.json()) as ProblemBody;
}

describe('form-encoded bodies', () => {
  it('decodes, coerces to the declared types and collects repeated array parameters', async () => {
    const res = await postForm(
      '/v1/callbacks',
      'MessageSid=SM%20x+y&MessageStatus=delivered&ErrorCode=30003&Retry=true&Tag=a&Tag=b',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      MessageSid: 'SM x y',
      MessageStatus: 'delivered',
      ErrorCode: 30003,
      Retry: true,
      Tag: ['a', 'b'],
      code_type: 'number',
      proto_intact: true,
    });
  });

  it('wraps a single value of an array parameter', async () => {
    const res = await postForm('/v1/callbacks', 'MessageSid=SM1&MessageStatus=sent&Tag=only');
    expect(((await res.json()) as { Tag: string[] }).Tag).toEqual(['only']);
  });

  it('answers field errors as a problem: bad values, missing and unknown parameters', async () => {
    const res = await postForm('/v1/callbacks', 'MessageStatus=lost&ErrorCode=abc&Extra=1');
    expect(res.status).toBe(400);
    const problem = await problemOf(res);
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ pointer: '/body/MessageSid', code: 'required' }),
        expect.objectContaining({ pointer: '/body/ErrorCode', code: 'type' }),
        expect.objectContaining({ pointer: '/body/Extra', code: 'additionalProperties' }),
        expect.objectContaining({ pointer: '/body/MessageStatus' }),
      ]),
    );
  });

  it('refuses a repeated scalar parameter (RFC 6749 §3.2) with code repeated', async () => {
    const res = await postForm('/v1/callbacks', 'MessageSid=a1&MessageSid=a2&MessageStatus=sent');
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors).toEqual([
      { pointer: '/body/MessageSid', code: 'repeated', detail: 'This parameter must not be repeated.' },
    ]);
  });

  it('treats __proto__ and constructor as plain (unknown) names: no prototype pollution', async () => {
    const res = await postForm(
      '/v1/callbacks',
      '__proto__=x&constructor=y&MessageSid=SM1&MessageStatus=sent&__proto__%5Bpolluted%5D=1',
    );
    expect(res.status).toBe(400);
    const pointers = ((await problemOf(res)).errors ?? []).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/body/__proto__', '/body/constructor']));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses JSON on a form-only route with 415, naming the accepted type', async () => {
    const res = await sendJson(`${api.url}/v1/callbacks`, 'POST', {
      MessageSid: 'SM1',
      MessageStatus: 'sent',
    });
    expect(res.status).toBe(415);
    expect((await problemOf(res)).detail).toBe(`The request body must be ${FORM}.`);
  });

  it('applies the route body limit (413)', async () => {
    const res = await postForm('/v1/callbacks', `MessageSid=${'a'.repeat(2000)}&MessageStatus=sent`);
    expect(res.status).toBe(413);
    expect((await problemOf(res)).detail).toBe('The request body exceeds 1kb.');
  });

  it('requires the body unless the route says otherwise', async () => {
    const res = await fetch(`${api.url}/v1/callbacks`, { method: 'POST' });
    expect(res.status).toBe(400);
    expect((await problemOf(res)).errors).toEqual([
      { pointer: '/body', code: 'required', detail: 'A form request body is required.' },
    ]);
  });
});

describe('routes accepting form and JSON', () => {
  it('coerces form values but validates JSON as sent', async () => {
    const form = await postForm('/v1/either', 'n=42&s=x');
    expect(await form.json()).toEqual({ n: 42, s: 'x' });
    const json = await sendJson(`${api.url}/v1/either`, 'POST', { n: 42 });
    expect(await json.json()).toEqual({ n: 42 });
    const stringly = await sendJson(`${api.url}/v1/either`, 'POST', { n: '42' });
    expect(stringly.status).toBe(400);
    expect((await problemOf(stringly)).errors).toEqual([
      expect.objectContaining({ pointer: '/body/n', code: 'type' }),
    ]);
  });

  it('refuses other media types with 415 naming both', async () => {
    const res = await postForm('/v1/either', 'n=1', 'text/plain');
    expect(res.status).toBe(415);
    expect((await problemOf(res)).detail).toBe(`The request body must be ${FORM} or application/json.`);
  });
});

describe('onInvalidRequest', () => {
  const cases: Array<[string, string, string]> = [
    ['malformed JSON', '{', 'application/json'],
    ['another media type', 'grant_type=x', 'text/plain'],
    ['a missing parameter', 'scope=a', FORM],
    ['a repeated parameter', 'grant_type=a&grant_type=b', FORM],
    ['a non-string JSON value', '{"grant_type":"x","scope":1}', 'application/json'],
    ['an oversized body', `grant_type=${'x'.repeat(300)}`, FORM],
  ];
  it.each(cases)('answers %s in the route’s own format', async (_name, body, contentType) => {
    const res = await postForm('/v1/oauth-like', body, contentType);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(((await res.json()) as { error: string }).error).toBe('invalid_request');
  });

  it('passes unknown string parameters (RFC 6749: ignore unrecognized) and an absent body', async () => {
    const ok = await postForm('/v1/oauth-like', 'grant_type=x&custom=y');
    expect(await ok.json()).toEqual({ got: { grant_type: 'x', custom: 'y' } });
    const empty = await fetch(`${api.url}/v1/oauth-like`, { method: 'POST' });
    expect(await empty.json()).toEqual({ got: 'nothing' });
  });

  it('still answers unknown query parameters through the hook', async () => {
    const res = await postForm('/v1/oauth-like?x=1', 'grant_type=x');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });
});

describe('OpenAPI', () => {
  interface Operation {
    requestBody: { required: boolean; content: Record<string, unknown> };
    responses: Record<string, unknown>;
  }
  const operation = (path: string): Operation => {
    const found = api.openapi.paths[path]?.post;
    if (found === undefined) throw new Error(`${path} is not documented`);
    return found as unknown as Operation;
  };
  const requestBody = (path: string) => operation(path).requestBody;

  it('documents each accepted media type with the same schema', () => {
    expect(Object.keys(requestBody('/v1/callbacks').content)).toEqual([FORM]);
    const either = requestBody('/v1/either');
    expect(Object.keys(either.content)).toEqual([FORM, 'application/json']);
    expect(either.content[FORM]).toEqual(either.content['application/json']);
    expect(requestBody('/v1/oauth-like').required).toBe(false);
  });

  it('leaves out the kit’s 413/415 problems for routes that answer invalid requests themselves', () => {
    const responses = operation('/v1/oauth-like').responses;
    expect(Object.keys(responses)).toEqual(expect.not.arrayContaining(['413', '415']));
    const callbacks = operation('/v1/callbacks').responses;
    expect(Object.keys(callbacks)).toEqual(expect.arrayContaining(['413', '415']));
  });
});

describe('declaration checks', () => {
  const base = {
    method: 'post' as const,
    path: '/v1/x',
    operationId: 'x',
    summary: 'x',
    responses: { 204: { description: 'ok' } },
    handler: async () => ({ status: 204 as const }),
  };
  it('refuses a form body that is not an object of scalars', () => {
    expect(() =>
      defineRoute({
        ...base,
        request: { body: Type.Object({ nested: Type.Object({ a: Type.String() }) }), bodyType: 'form' },
      }),
    ).toThrow(RouteDefinitionError);
    expect(() => defineRoute({ ...base, request: { body: Type.String(), bodyType: 'form' } })).toThrow(
      /must be an object schema/,
    );
  });
  it('refuses body options without a body, unknown types and bad limits', () => {
    expect(() => defineRoute({ ...base, request: { bodyType: 'form' } })).toThrow(/need a request.body/);
    expect(() =>
      defineRoute({ ...base, request: { body: Type.Object({}), bodyType: 'xml' as unknown as 'form' } }),
    ).toThrow(/not one of json, form/);
    expect(() => defineRoute({ ...base, request: { body: Type.Object({}), bodyLimit: 'lots' } })).toThrow(
      /bodyLimit/,
    );
  });
});
