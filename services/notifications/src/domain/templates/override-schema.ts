// The JSON Schema (TypeBox) of an override's body, for PUT /v1/templates/{key}/{locale}. It checks
// the shape only; `validateOverride` then checks that the parts compile and render.
import { type Static, Type } from '@sinclair/typebox';
import { OVERRIDE_LIMITS } from './renderer.ts';

const part = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength, description }));

export const TemplateOverrideSchema = Type.Object(
  {
    subject: part(OVERRIDE_LIMITS.subject, 'Handlebars, one line'),
    mjml: part(
      OVERRIDE_LIMITS.mjml,
      'Handlebars in MJML: <mj-section>s put in the shared layout, or a whole <mjml> document',
    ),
    html: part(OVERRIDE_LIMITS.html, 'Handlebars producing a whole HTML document (no layout); not with mjml'),
    text: part(OVERRIDE_LIMITS.text, 'Handlebars, the plain-text body'),
    sms: part(OVERRIDE_LIMITS.sms, 'Handlebars, the SMS (keys with an SMS channel)'),
  },
  { additionalProperties: false, minProperties: 1 },
);

export type TemplateOverrideBody = Static<typeof TemplateOverrideSchema>;
