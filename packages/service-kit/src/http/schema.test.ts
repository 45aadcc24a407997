import { describe, expect, it } from '@jest/globals';
import { Type } from '@sinclair/typebox';
import { toStrictJsonSchema } from './schema.ts';
import { createSchemaCompiler } from './validation.ts';

const compiler = createSchemaCompiler();
const check = (schema: Parameters<typeof toStrictJsonSchema>[0]) =>
  compiler.request('body', toStrictJsonSchema(schema));
const codes = (errors: Array<{ code: string; pointer: string }>) =>
  errors.map((e) => `${e.pointer} ${e.code}`);

describe('toStrictJsonSchema', () => {
  it('closes objects at every depth unless the author opened them', () => {
    const schema = Type.Object({
      profile: Type.Object({ name: Type.String() }),
      list: Type.Array(Type.Object({ id: Type.String() })),
      metadata: Type.Object({}, { additionalProperties: true }),
    });
    const validate = check(schema);
    expect(validate({ profile: { name: 'a' }, list: [{ id: 'x' }], metadata: { anything: 1 } })).toEqual([]);
    expect(
      codes(
        validate({ profile: { name: 'a', role: 'admin' }, list: [{ id: 'x', y: 1 }], metadata: {}, z: 1 }),
      ),
    ).toEqual([
      '/body/z additionalProperties',
      '/body/profile/role additionalProperties',
      '/body/list/0/y additionalProperties',
    ]);
  });

  it('closes an intersection as a whole (its parts stay open)', () => {
    const schema = Type.Intersect([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })]);
    expect(toStrictJsonSchema(schema)).toMatchObject({ unevaluatedProperties: false });
    const validate = check(schema);
    expect(validate({ a: 'x', b: 'y' })).toEqual([]);
    expect(codes(validate({ a: 'x', b: 'y', c: 'z' }))).toEqual(['/body/c unevaluatedProperties']);
  });

  it('closes each branch of a union', () => {
    const schema = Type.Union([
      Type.Object({ kind: Type.Literal('a'), a: Type.String() }),
      Type.Object({ kind: Type.Literal('b') }),
    ]);
    const validate = check(schema);
    expect(validate({ kind: 'a', a: 'x' })).toEqual([]);
    expect(validate({ kind: 'b' })).toEqual([]);
    expect(validate({ kind: 'b', a: 'x' }).length).toBeGreaterThan(0);
  });

  it('leaves predicates as written', () => {
    const schema = Type.Object(
      { a: Type.Optional(Type.String()) },
      { not: { type: 'object', properties: { a: { const: 'x' } } } },
    );
    const validate = check(schema);
    expect(validate({ a: 'y' })).toEqual([]);
    expect(codes(validate({ a: 'x' }))).toEqual(['/body not']);
  });

  it('drops TypeBox symbols and converts tuples to 2020-12', () => {
    const schema = toStrictJsonSchema(Type.Tuple([Type.String(), Type.Number()]));
    expect(schema).toEqual({
      type: 'array',
      prefixItems: [{ type: 'string' }, { type: 'number' }],
      items: false,
      minItems: 2,
      maxItems: 2,
    });
    expect(Object.getOwnPropertySymbols(toStrictJsonSchema(Type.Object({ a: Type.String() })))).toEqual([]);
    const validate = check(Type.Tuple([Type.String(), Type.Number()]));
    expect(validate(['a', 1])).toEqual([]);
    expect(validate(['a', 1, 2]).length).toBeGreaterThan(0);
  });

  it('does not change the authored schema', () => {
    const schema = Type.Object({ a: Type.String() });
    toStrictJsonSchema(schema);
    expect(schema).not.toHaveProperty('additionalProperties');
  });
});

describe('schema compiler', () => {
  it('refuses schemas ajv cannot compile strictly', () => {
    expect(() => compiler.request('body', toStrictJsonSchema(Type.Date()))).toThrow();
    expect(() => compiler.request('body', { type: 'string', formatt: 'email' })).toThrow(/unknown keyword/);
  });

  it('caps the number of reported errors', () => {
    const validate = check(Type.Object({}));
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]));
    expect(validate(many)).toHaveLength(50);
  });
});
