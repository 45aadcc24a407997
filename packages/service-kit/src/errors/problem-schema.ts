/** JSON Schemas of the RFC 9457 problem bodies that `ProblemError.toBody()` produces. */
import { Type } from '@sinclair/typebox';

export const FieldErrorSchema = Type.Object(
  {
    pointer: Type.String({
      description: 'JSON Pointer into the request, e.g. `/body/email` or `/query/limit`.',
    }),
    code: Type.String({ description: 'The failed rule, e.g. `required`, `format`, `additionalProperties`.' }),
    detail: Type.String(),
  },
  { additionalProperties: false },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ format: 'uri', description: 'Stable URI of the error kind.' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 100, maximum: 599 }),
    code: Type.String({ description: 'Stable machine code; the last segment of `type`.' }),
    detail: Type.Optional(Type.String()),
    instance: Type.Optional(Type.String()),
    request_id: Type.Optional(Type.String({ description: 'Identifies the request in the service logs.' })),
    errors: Type.Optional(Type.Array(FieldErrorSchema)),
  },
  { additionalProperties: true, description: 'RFC 9457 problem details.' },
);
