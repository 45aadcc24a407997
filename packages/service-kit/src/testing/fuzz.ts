/**
 * Schema-driven fuzzing of a running service's endpoints (quality.md, "Security": every endpoint
 * is fuzzed from its own JSON Schema; malformed, oversized, deeply nested and type-confused input
 * answers 4xx, never 5xx, and changes no state).
 *
 * The operations come from the service's own `/openapi.json`. For each one, fast-check builds
 * requests from a plausible skeleton (values generated from the schemas) with one part broken:
 * the body (random JSON, a property retyped, an unknown or missing property, deep nesting, 2 MB,
 * bytes that are not JSON, another media type, no body), a query parameter (unknown, retyped,
 * repeated, huge), a path parameter (random Unicode, long) or a declared header. Every request is
 * also judged against the same schemas with the kit's ajv settings, so the helper knows which
 * requests are invalid. The checks, per request:
 * - never a 5xx (nor a dropped connection);
 * - a request the schemas refuse answers 4xx;
 * - any 4xx answer leaves `stateProbe()` as it was (the probe is the caller's: row counts,
 *   checksums, ...). A 2xx (the generator hit a valid request) resets the baseline.
 *
 * Runs are bounded: `numRuns` per operation (default 20, env `FUZZ_RUNS`), seed from env
 * `FUZZ_SEED` to replay a failure (fast-check prints the seed and the shrunk counterexample).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { decodeForm, FORM_MEDIA_TYPE } from '../http/body.ts';
import type { OpenApiDocument } from '../http/openapi.ts';
import { createAjv } from '../http/validation.ts';

type Schema = { [keyword: string]: unknown };

/** One operation of the document, as the fuzzer sees it. */
export interface FuzzOperation {
  method: string;
  path: string;
  /** `POST /v1/users` */
  label: string;
  operationId: string | undefined;
  parameters: Array<{ name: string; in: 'path' | 'query' | 'header'; required: boolean; schema: Schema }>;
  /** Media type → schema of the request body, when it has one. */
  body: { required: boolean; content: Record<string, Schema> } | undefined;
}

export interface FuzzTarget {
  /** `http://127.0.0.1:port` */
  url: string;
  stop?: () => Promise<void>;
}

export interface EndpointFuzzingOptions {
  /** Title of the jest `describe`. */
  name?: string;
  /** Starts the service (e.g. `startServiceForTest`); called once, in `beforeAll`. */
  start: () => Promise<FuzzTarget>;
  /**
   * `METHOD /path` labels to fuzz, one jest test each. Default: every operation of the document
   * except the kit's own endpoints (`/healthz`, `/readyz`, `/metrics`), in one test.
   */
  routes?: readonly string[];
  /** Headers for each request, e.g. an admin token so requests get past authorization. */
  headers?: (
    operation: FuzzOperation,
  ) => Record<string, string | undefined> | Promise<Record<string, string | undefined>>;
  /** A snapshot of the state the service may change (compared with `toEqual`). */
  stateProbe?: () => Promise<unknown>;
  /** Requests per operation; default env `FUZZ_RUNS` or 20. */
  numRuns?: number;
  /** jest timeout per test; default 120 s. */
  timeoutMs?: number;
}

export interface FuzzFailure {
  operation: string;
  message: string;
}

export const KIT_PATHS = new Set(['/healthz', '/readyz', '/metrics']);
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const JSON_TYPE = 'application/json';
const OVERSIZED = 2 * 1024 * 1024;

export function defaultNumRuns(): number {
  const fromEnv = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 20;
}

function fuzzSeed(): number | undefined {
  const seed = Number(process.env.FUZZ_SEED);
  return Number.isInteger(seed) ? seed : undefined;
}

/** The operations of an OpenAPI document (as service-kit writes them: schemas inline). */
export function operationsOf(document: OpenApiDocument): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = item[method] as
        | {
            operationId?: string;
            parameters?: FuzzOperation['parameters'];
            requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
          }
        | undefined;
      if (op === undefined) continue;
      let body: FuzzOperation['body'];
      if (op.requestBody?.content !== undefined) {
        const content: Record<string, Schema> = {};
        for (const [type, media] of Object.entries(op.requestBody.content))
          content[type] = media.schema ?? {};
        body = { required: op.requestBody.required === true, content };
      }
      out.push({
        method,
        path,
        label: `${method.toUpperCase()} ${path}`,
        operationId: op.operationId,
        parameters: op.parameters ?? [],
        body,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Plausible values from a schema (a skeleton the mutations break one part of)

function asSchema(value: unknown): Schema {
  return typeof value === 'object' && value !== null ? (value as Schema) : {};
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function stringFor(schema: Schema): fc.Arbitrary<string> {
  switch (schema.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
    case 'date-time':
      return fc
        .date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'uri':
      return fc.webUrl();
  }
  const min = num(schema.minLength) ?? 0;
  const max = Math.max(min, Math.min(num(schema.maxLength) ?? 24, min + 24));
  if (typeof schema.pattern === 'string') {
    try {
      // No length filter: a pattern and a length range can exclude each other (the judge decides).
      return fc.stringMatching(new RegExp(schema.pattern));
    } catch {
      // an ECMA pattern fast-check cannot generate from: plain strings, ajv decides
    }
  }
  return fc.string({ minLength: min, maxLength: max });
}

/** Values meant to satisfy `schema` (not guaranteed: the judge decides). */
export function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum) && schema.enum.length > 0)
    return fc.constantFrom(...(schema.enum as unknown[]));
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches) && branches.length > 0) {
    return fc.oneof(...branches.map((b) => valueFor(asSchema(b), depth + 1)));
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return fc
      .tuple(...schema.allOf.map((part) => valueFor(asSchema(part), depth + 1)))
      .map((parts) => Object.assign({}, ...parts.filter((p) => typeof p === 'object' && p !== null)));
  }
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'string':
      return stringFor(schema);
    case 'integer': {
      const min = num(schema.minimum) ?? (num(schema.exclusiveMinimum) ?? -1001) + 1;
      const max = num(schema.maximum) ?? (num(schema.exclusiveMaximum) ?? 1001) - 1;
      return fc.integer({ min: Math.ceil(Math.max(min, -1e9)), max: Math.floor(Math.min(max, 1e9)) });
    }
    case 'number':
      return fc.double({
        min: num(schema.minimum) ?? -1e6,
        max: num(schema.maximum) ?? 1e6,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const min = num(schema.minItems) ?? 0;
      const max = Math.max(min, Math.min(num(schema.maxItems) ?? 3, 3));
      if (depth > 4) return fc.constant([]);
      return fc.array(valueFor(asSchema(schema.items), depth + 1), { minLength: min, maxLength: max });
    }
    case 'object': {
      if (depth > 4) return fc.constant({});
      const properties = asSchema(schema.properties);
      const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, property] of Object.entries(properties))
        model[name] = valueFor(asSchema(property), depth + 1);
      return fc.record(model, { requiredKeys: required.filter((name) => name in model) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

// ---------------------------------------------------------------------------------------------
// Requests and their breakage

interface FuzzRequest {
  path: Record<string, string>;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  /** What goes on the wire: text or bytes, with its media type; undefined for no body. */
  body: { contentType: string; payload: string | Uint8Array } | undefined;
  /** What was broken (for failure messages). */
  mutation: string;
}

function scalarText(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(scalarText);
  if (value === undefined) return [];
  return [typeof value === 'string' ? value : JSON.stringify(value)];
}

function formText(value: unknown): string {
  const params = new URLSearchParams();
  if (typeof value === 'object' && value !== null) {
    for (const [name, v] of Object.entries(value))
      for (const text of scalarText(v)) params.append(name, text);
  }
  return params.toString();
}

/** Path parameter values that survive URL parsing as one segment (no dot segments). */
const pathText = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'grapheme-ascii', minLength: 2000, maxLength: 5000 }),
    fc.constantFrom(
      '%00',
      '\u0000',
      ' ',
      'null',
      '-1',
      '1e309',
      '00000000-0000-0000-0000-000000000000',
      '🙂',
    ),
  )
  .filter((s) => !/^\.*$/.test(s));

const confusedValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 0, -1, 1e308, '', [], {}, [[[]]], { $ne: null }, '__proto__'),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
);

const queryText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.constantFrom('', '-1', '0', '1e309', 'NaN', 'true', 'null', '[]', '{}', 'x'.repeat(5000)),
);

const otherMediaTypes = fc.constantFrom(
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/octet-stream',
  FORM_MEDIA_TYPE,
  JSON_TYPE,
);

function deepJson(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** Requests for one operation, each with one part broken. */
export function requestsFor(operation: FuzzOperation): fc.Arbitrary<FuzzRequest> {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  const queryParams = operation.parameters.filter((p) => p.in === 'query');
  const headerParams = operation.parameters.filter((p) => p.in === 'header');
  const objectOf = (params: FuzzOperation['parameters']) => {
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const p of params) model[p.name] = valueFor(p.schema);
    return fc.record(model, {
      requiredKeys: params.filter((p) => p.required || p.in === 'path').map((p) => p.name),
    });
  };
  const mediaTypes = Object.keys(operation.body?.content ?? {});
  const jsonType = mediaTypes.find((t) => t === JSON_TYPE || /\+json$/.test(t));
  const formType = mediaTypes.find((t) => t === FORM_MEDIA_TYPE);
  const bodySchema = asSchema(operation.body?.content[jsonType ?? formType ?? ''] ?? {});

  const skeleton = fc.record({
    path: objectOf(pathParams),
    query: objectOf(queryParams),
    headers: objectOf(headerParams),
    body: operation.body === undefined ? fc.constant(undefined) : valueFor(bodySchema),
  });

  type Skeleton = {
    path: Record<string, unknown>;
    query: Record<string, unknown>;
    headers: Record<string, unknown>;
    body: unknown;
  };
  const build = (
    s: Skeleton,
    mutation: string,
    body: FuzzRequest['body'] | 'skeleton' | 'none' = 'skeleton',
  ): FuzzRequest => {
    const path: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.path)) path[k] = scalarText(v)[0] ?? '';
    const query: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(s.query)) for (const text of scalarText(v)) query.push([k, text]);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.headers))
      headers[k] = (scalarText(v)[0] ?? '').replace(/[^\x20-\x7e]/g, '');
    let wire: FuzzRequest['body'];
    if (body === 'skeleton') {
      if (operation.body !== undefined && s.body !== undefined) {
        wire = jsonType
          ? { contentType: jsonType, payload: JSON.stringify(s.body) }
          : { contentType: FORM_MEDIA_TYPE, payload: formText(s.body) };
      }
    } else if (body !== 'none') {
      wire = body;
    }
    return { path, query, headers, body: wire, mutation };
  };

  const withProperty = (body: unknown, name: string, value: unknown) =>
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? { ...body, [name]: value }
      : { [name]: value };
  const propertyNames = Object.keys(asSchema(bodySchema.properties));
  const pickName = propertyNames.length > 0 ? fc.constantFrom(...propertyNames) : fc.constant('x');

  const mutations: Array<fc.Arbitrary<FuzzRequest>> = [
    // Unknown query parameters are refused by every route.
    fc
      .tuple(skeleton, fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 20 }), queryText)
      .map(([s, name, value]) => {
        const r = build(s, `unknown query parameter ${JSON.stringify(name)}`);
        r.query.push([name, value]);
        return r;
      }),
  ];
  if (queryParams.length > 0) {
    mutations.push(
      fc
        .tuple(skeleton, fc.constantFrom(...queryParams.map((p) => p.name)), queryText, fc.boolean())
        .map(([s, name, value, repeat]) => {
          const r = build(
            s,
            `query ${name}=${JSON.stringify(value.slice(0, 40))}${repeat ? ' (repeated)' : ''}`,
          );
          r.query = r.query.filter(([k]) => k !== name);
          r.query.push([name, value]);
          if (repeat) r.query.push([name, value]);
          return r;
        }),
    );
  }
  if (pathParams.length > 0) {
    mutations.push(
      fc
        .tuple(skeleton, fc.constantFrom(...pathParams.map((p) => p.name)), pathText)
        .map(([s, name, value]) => {
          const r = build(s, `path ${name}=${JSON.stringify(value.slice(0, 40))}`);
          r.path[name] = value;
          return r;
        }),
    );
  }
  if (headerParams.length > 0) {
    mutations.push(
      fc
        .tuple(
          skeleton,
          fc.constantFrom(...headerParams.map((p) => p.name)),
          fc.string({ unit: 'grapheme-ascii', maxLength: 300 }),
        )
        .map(([s, name, value]) => {
          const r = build(s, `header ${name}`);
          r.headers[name] = value;
          return r;
        }),
    );
  }
  if (operation.body !== undefined) {
    const json = jsonType ?? JSON_TYPE;
    mutations.push(
      fc
        .tuple(skeleton, fc.jsonValue())
        .map(([s, value]) =>
          build(s, 'body: any JSON value', { contentType: json, payload: JSON.stringify(value) }),
        ),
      fc.tuple(skeleton, pickName, confusedValue).map(([s, name, value]) =>
        build(s, `body.${name} retyped`, {
          contentType: json,
          payload: JSON.stringify(withProperty(s.body, name, value)),
        }),
      ),
      fc.tuple(skeleton, fc.string({ minLength: 1, maxLength: 20 }), confusedValue).map(([s, name, value]) =>
        build(s, `body: unknown property ${JSON.stringify(name)}`, {
          contentType: json,
          payload: JSON.stringify(
            withProperty(s.body, propertyNames.includes(name) ? `${name}_x` : name, value),
          ),
        }),
      ),
      fc.tuple(skeleton, pickName).map(([s, name]) => {
        const body = typeof s.body === 'object' && s.body !== null ? { ...(s.body as object) } : {};
        delete (body as Record<string, unknown>)[name];
        return build(s, `body without ${name}`, { contentType: json, payload: JSON.stringify(body) });
      }),
      fc
        .tuple(
          skeleton,
          pickName,
          fc.constantFrom(64, 1000, 20_000),
          fc.constantFrom('array' as const, 'object' as const),
          fc.boolean(),
        )
        .map(([s, name, depth, kind, whole]) => {
          const deep = deepJson(depth, kind);
          const payload = whole
            ? deep
            : JSON.stringify(withProperty(s.body, name, '__deep__')).replace('"__deep__"', deep);
          return build(s, `body nested ${depth} deep (${kind}${whole ? '' : ` in ${name}`})`, {
            contentType: json,
            payload,
          });
        }),
      fc.tuple(skeleton, pickName).map(([s, name]) =>
        build(s, `body.${name} of 2 MB`, {
          contentType: json,
          payload: JSON.stringify(withProperty(s.body, name, 'x'.repeat(OVERSIZED))),
        }),
      ),
      fc
        .tuple(
          skeleton,
          fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 500 })),
        )
        .map(([s, payload]) => build(s, 'body: bytes that are not JSON', { contentType: json, payload })),
      fc.tuple(skeleton, otherMediaTypes).map(([s, contentType]) =>
        build(s, `body as ${contentType}`, {
          contentType,
          payload: contentType === FORM_MEDIA_TYPE ? formText(s.body) : JSON.stringify(s.body ?? {}),
        }),
      ),
      skeleton.map((s) => build(s, 'no body', 'none')),
    );
    if (formType !== undefined) {
      mutations.push(
        fc
          .tuple(skeleton, pickName, fc.array(queryText, { minLength: 1, maxLength: 3 }))
          .map(([s, name, values]) => {
            const params = new URLSearchParams(formText(s.body));
            params.delete(name);
            for (const v of values) params.append(name, v);
            return build(s, `form ${name} = ${JSON.stringify(values.map((v) => v.slice(0, 20)))}`, {
              contentType: FORM_MEDIA_TYPE,
              payload: params.toString(),
            });
          }),
        fc
          .tuple(skeleton, fc.string({ maxLength: 300 }))
          .map(([s, payload]) => build(s, 'form: arbitrary text', { contentType: FORM_MEDIA_TYPE, payload })),
      );
    }
  }
  return fc.oneof(...mutations);
}

// ---------------------------------------------------------------------------------------------
// The judge: would the kit's validation refuse this request?

type Verdict = 'valid' | 'invalid' | 'unknown';

interface Judge {
  verdict(request: FuzzRequest): Verdict;
}

function objectSchema(params: FuzzOperation['parameters'], closed: boolean): Schema {
  const properties: Schema = {};
  for (const p of params) properties[p.name] = p.schema;
  return {
    type: 'object',
    properties,
    required: params.filter((p) => p.required || p.in === 'path').map((p) => p.name),
    ...(closed ? { additionalProperties: false } : {}),
  };
}

function arrayTyped(schema: unknown): boolean {
  const type = asSchema(schema).type;
  return type === 'array' || (Array.isArray(type) && type.includes('array'));
}

function judgeFor(operation: FuzzOperation): Judge {
  // Fresh instances per operation: schemas may carry `$id`s that would clash across operations.
  const coerced: Ajv2020 = createAjv('coerced');
  const plain: Ajv2020 = createAjv('body');
  const compile = (ajv: Ajv2020, schema: Schema) => {
    try {
      return ajv.compile(schema);
    } catch {
      return undefined;
    }
  };
  const byPlace = (place: 'path' | 'query' | 'header') => operation.parameters.filter((p) => p.in === place);
  const pathCheck = compile(coerced, objectSchema(byPlace('path'), false));
  const queryCheck = compile(coerced, objectSchema(byPlace('query'), true));
  const headerCheck = compile(coerced, objectSchema(byPlace('header'), false));
  const bodyChecks = new Map<
    string,
    { json: ReturnType<typeof compile>; form: ReturnType<typeof compile> }
  >();
  for (const [type, schema] of Object.entries(operation.body?.content ?? {})) {
    bodyChecks.set(type, {
      json: compile(plain, schema),
      form: type === FORM_MEDIA_TYPE ? compile(coerced, schema) : undefined,
    });
  }

  return {
    verdict(request) {
      if (!pathCheck || !queryCheck || !headerCheck) return 'unknown';
      let unknown = false;
      const check = (validate: NonNullable<ReturnType<typeof compile>>, data: unknown) =>
        validate(structuredClone(data));
      if (!check(pathCheck, request.path)) return 'invalid';
      // What express's simple query parser makes of it: own keys only, repeats as arrays.
      const query: Record<string, string | string[]> = Object.create(null);
      for (const [k, v] of request.query) {
        const prev = Object.hasOwn(query, k) ? query[k] : undefined;
        query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
      if (!check(queryCheck, query)) return 'invalid';
      const headers: Record<string, string> = {};
      for (const p of byPlace('header')) {
        const value = request.headers[p.name];
        if (value !== undefined) headers[p.name] = value.trim();
      }
      if (!check(headerCheck, headers)) return 'invalid';
      if (operation.body === undefined) return 'valid';
      const { body } = request;
      if (body === undefined) return operation.body.required ? 'invalid' : 'valid';
      if (body.payload.length > OVERSIZED) return 'invalid';
      const essence = body.contentType.split(';')[0]?.trim().toLowerCase() ?? '';
      const charset = /charset=([^;]+)/i.exec(body.contentType)?.[1]?.trim().toLowerCase();
      const entry = bodyChecks.get(essence);
      if (entry === undefined) return 'invalid';
      if (charset !== undefined && charset !== 'utf-8') unknown = true;
      const text =
        typeof body.payload === 'string' ? body.payload : Buffer.from(body.payload).toString('utf8');
      if (essence === FORM_MEDIA_TYPE) {
        if (!entry.form) return 'unknown';
        const decoded = decodeForm(text);
        const properties = asSchema(operation.body.content[essence]?.properties);
        const extra = operation.body.content[essence]?.additionalProperties;
        for (const [name, value] of Object.entries(decoded)) {
          if (!Array.isArray(value)) continue;
          const declared = Object.hasOwn(properties, name);
          if (declared ? !arrayTyped(properties[name]) : !arrayTyped(extra)) return 'invalid';
        }
        if (!check(entry.form, decoded)) return 'invalid';
        return unknown ? 'unknown' : 'valid';
      }
      if (!entry.json) return 'unknown';
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return 'invalid';
      }
      if (typeof body.payload !== 'string') unknown = true; // bytes: the server's decoding may differ
      let valid: boolean;
      try {
        valid = check(entry.json, parsed);
      } catch {
        return 'unknown'; // e.g. too deep for structuredClone or ajv here
      }
      if (!valid) return 'invalid';
      return unknown ? 'unknown' : 'valid';
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Running

function urlOf(base: string, operation: FuzzOperation, request: FuzzRequest): string {
  const path = operation.path.replace(/\{([^}]+)\}/g, (_m, name: string) =>
    encodeURIComponent(request.path[name] ?? ''),
  );
  const query = new URLSearchParams(request.query).toString();
  return `${base}${path}${query === '' ? '' : `?${query}`}`;
}

export interface FuzzRunOptions {
  headers?: EndpointFuzzingOptions['headers'];
  stateProbe?: EndpointFuzzingOptions['stateProbe'];
  numRuns?: number;
}

/**
 * Fuzzes one operation of a running service; resolves to the failures (empty when it held up).
 * Stops at the first failing request (fast-check shrinks it and reports its seed).
 */
export async function fuzzOperation(
  url: string,
  operation: FuzzOperation,
  options: FuzzRunOptions = {},
): Promise<FuzzFailure[]> {
  const judge = judgeFor(operation);
  const fixed: Record<string, string> = {};
  for (const [name, value] of Object.entries((await options.headers?.(operation)) ?? {})) {
    if (value !== undefined) fixed[name] = value;
  }
  let baseline = await options.stateProbe?.();
  const failures: FuzzFailure[] = [];
  const seed = fuzzSeed();
  const result = await fc.check(
    fc.asyncProperty(requestsFor(operation), async (request) => {
      const verdict = judge.verdict(request);
      const headers: Record<string, string> = { ...fixed, ...request.headers };
      if (request.body !== undefined) headers['content-type'] = request.body.contentType;
      let status: number;
      let text = '';
      try {
        const response = await fetch(urlOf(url, operation, request), {
          method: operation.method.toUpperCase(),
          headers,
          ...(request.body === undefined ? {} : { body: request.body.payload }),
          signal: AbortSignal.timeout(15_000),
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        throw new Error(`${request.mutation}: no answer (${(error as Error).message})`);
      }
      if (status >= 500) throw new Error(`${request.mutation}: answered ${status} ${text.slice(0, 300)}`);
      if (verdict === 'invalid' && (status < 400 || status >= 500)) {
        throw new Error(`${request.mutation}: the schemas refuse this request but it was answered ${status}`);
      }
      if (options.stateProbe === undefined) return;
      const after = await options.stateProbe();
      if (status >= 400) {
        try {
          expect(after).toEqual(baseline);
        } catch {
          throw new Error(
            `${request.mutation}: answered ${status} but the state changed: ${JSON.stringify(baseline)} → ${JSON.stringify(after)}`,
          );
        }
      } else {
        baseline = after; // a valid request did what it should
      }
    }),
    {
      numRuns: options.numRuns ?? defaultNumRuns(),
      ...(seed === undefined ? {} : { seed }),
      endOnFailure: true,
    },
  );
  if (result.failed) {
    const error =
      result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance);
    failures.push({
      operation: operation.label,
      message: `${error} (seed ${result.seed}, path ${result.counterexamplePath ?? ''}; replay with FUZZ_SEED=${result.seed})`,
    });
  }
  return failures;
}

/** Fetches the document of a running service. */
export async function openApiOf(url: string): Promise<OpenApiDocument> {
  const res = await fetch(`${url}/openapi.json`);
  if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
  return (await res.json()) as OpenApiDocument;
}

/**
 * A jest suite fuzzing a service's endpoints from its own OpenAPI document (see the module
 * comment). With `routes`, one test per `METHOD /path`; without, one test for all of them.
 */
export function describeEndpointFuzzing(options: EndpointFuzzingOptions): void {
  describe(options.name ?? 'endpoint fuzzing', () => {
    let target: FuzzTarget | undefined;
    let operations: FuzzOperation[] = [];
    const timeout = options.timeoutMs ?? 120_000;
    const run: FuzzRunOptions = {
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.stateProbe === undefined ? {} : { stateProbe: options.stateProbe }),
      ...(options.numRuns === undefined ? {} : { numRuns: options.numRuns }),
    };

    beforeAll(async () => {
      target = await options.start();
      operations = operationsOf(await openApiOf(target.url));
    }, timeout);
    afterAll(async () => {
      await target?.stop?.();
    });

    const fuzz = async (selected: FuzzOperation[]) => {
      const failures: FuzzFailure[] = [];
      for (const operation of selected)
        failures.push(...(await fuzzOperation(target?.url ?? '', operation, run)));
      expect(failures).toEqual([]);
    };

    if (options.routes === undefined) {
      it(
        'answers malformed input to every endpoint with 4xx, never 5xx, changing nothing',
        () => fuzz(operations.filter((op) => !KIT_PATHS.has(op.path))),
        timeout,
      );
      return;
    }
    for (const label of options.routes) {
      it(
        `${label}: answers malformed input with 4xx, never 5xx, changing nothing`,
        async () => {
          const operation = operations.find((op) => op.label === label);
          if (operation === undefined) throw new Error(`${label} is not in the OpenAPI document`);
          await fuzz([operation]);
        },
        timeout,
      );
    }
  });
}
