// The catalogue matches what arrives (the contracts' commands and events), and the template
// directory is complete: a key or a locale with a missing or broken file stops the renderer.
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandCatalogue, commandTypes, eventCatalogue, isEventType } from '@authplatform/contracts';
import { afterAll, describe, expect, it } from '@jest/globals';
import { sampleData, TEMPLATE_KEYS, templateCatalogue } from './catalogue.ts';
import { createTemplateRenderer } from './renderer.ts';

const shippedDir = fileURLToPath(new URL('../../../templates/', import.meta.url));

interface ObjectSchema {
  properties: Record<string, unknown>;
  required?: string[];
}

const triggersOf = (kind: 'command' | 'event') =>
  Object.values(templateCatalogue).flatMap((d) =>
    d.triggers
      .filter((t) => t.startsWith(`${kind}:`))
      .map((t) => ({ definition: d, type: t.slice(kind.length + 1).split(' ')[0] ?? '' })),
  );

describe('the catalogue matches the contracts', () => {
  it('has a template for every command notifications accepts', () => {
    const covered = triggersOf('command').map((t) => t.type);
    expect([...covered].sort()).toEqual([...commandTypes].sort());
  });

  it.each(triggersOf('command').map((t) => [t.definition.key, t.type, t.definition] as const))(
    '%s declares exactly the template_data of %s (plus name)',
    (_key, type, definition) => {
      const schema = (
        commandCatalogue[type as keyof typeof commandCatalogue].data as unknown as {
          properties: { template_data: ObjectSchema };
        }
      ).properties.template_data;
      const fields = Object.keys(definition.fields).filter((f) => f !== 'name');
      expect(fields.sort()).toEqual(Object.keys(schema.properties).sort());
      for (const field of fields) {
        expect([field, definition.fields[field]?.required]).toEqual([
          field,
          (schema.required ?? []).includes(field),
        ]);
      }
    },
  );

  it.each(triggersOf('event').map((t) => [t.definition.key, t.type, t.definition] as const))(
    '%s only uses data that %s carries (plus name and occurred_at)',
    (_key, type, definition) => {
      expect(isEventType(type)).toBe(true);
      const schema = eventCatalogue[type as keyof typeof eventCatalogue].data as unknown as ObjectSchema;
      for (const [field, spec] of Object.entries(definition.fields)) {
        if (field === 'name' || field === 'occurred_at') continue;
        expect([field, Object.hasOwn(schema.properties, field)]).toEqual([field, true]);
        // A field the template requires must be required by the event too.
        if (spec.required) expect([field, (schema.required ?? []).includes(field)]).toEqual([field, true]);
      }
    },
  );

  it('names every key once, with a category', () => {
    expect(Object.keys(templateCatalogue).sort()).toEqual([...TEMPLATE_KEYS].sort());
    const security = TEMPLATE_KEYS.filter((k) => templateCatalogue[k].category === 'security');
    expect(security).toEqual([
      'signup-attempt-existing',
      'new-device-login',
      'security-alert-password-changed',
      'security-alert-email-changed',
      'security-alert-mfa-enrolled',
      'security-alert-mfa-removed',
      'security-alert-user-locked',
      'security-alert-token-reuse',
      'security-alert-security-detected',
    ]);
    expect(templateCatalogue['webhook-failing'].category).toBe('webhooks');
  });

  it('marks the link and the code as secret', () => {
    for (const key of TEMPLATE_KEYS) {
      const secret = Object.entries(templateCatalogue[key].fields)
        .filter(([, spec]) => spec.secret)
        .map(([field]) => field);
      expect([key, secret]).toEqual([key, templateCatalogue[key].mustInclude]);
    }
  });

  it('gives sample data with every declared field', () => {
    for (const key of TEMPLATE_KEYS) {
      expect([key, Object.keys(sampleData(key)).sort()]).toEqual([
        key,
        Object.keys(templateCatalogue[key].fields).sort(),
      ]);
    }
  });
});

describe('the template directory', () => {
  const dirs: string[] = [];
  const copy = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    dirs.push(dir);
    cpSync(shippedDir, dir, { recursive: true });
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a locale with a missing file, naming it', async () => {
    const dir = copy();
    unlinkSync(join(dir, 'magic-link', 'es.txt'));
    await expect(createTemplateRenderer({ templatesDir: dir })).rejects.toMatchObject({
      code: 'templates_dir_invalid',
      message: expect.stringContaining('missing magic-link/es.txt'),
    });
  });

  it('refuses a new locale until every template is translated', async () => {
    const dir = copy();
    cpSync(join(dir, '_partials', 'en'), join(dir, '_partials', 'fr'), { recursive: true });
    const error = await createTemplateRenderer({ templatesDir: dir }).then(
      () => new Error('created'),
      (e: Error) => e,
    );
    expect(error.message).toContain('missing email-verification/fr.subject');
    expect(error.message).toContain('missing otp-code/fr.sms.txt');
  });

  it('picks up a new locale once its files exist', async () => {
    const dir = copy();
    cpSync(join(dir, '_partials', 'en'), join(dir, '_partials', 'fr'), { recursive: true });
    for (const key of TEMPLATE_KEYS) {
      for (const ext of ['subject', 'mjml', 'txt', 'sms.txt']) {
        try {
          cpSync(join(dir, key, `en.${ext}`), join(dir, key, `fr.${ext}`));
        } catch {
          // not every key has every part (sms.txt)
        }
      }
    }
    writeFileSync(
      join(dir, 'password-reset', 'fr.subject'),
      'Réinitialisez votre mot de passe {{product_name}}\n',
    );
    const renderer = await createTemplateRenderer({ templatesDir: dir, productName: 'Acme ID' });
    expect(renderer.locales).toEqual(['en', 'es', 'fr', 'pt-BR']);
    expect(renderer.resolveLocale('fr-CA')).toBe('fr');
    const email = await renderer.renderEmail({
      key: 'password-reset',
      locale: 'fr-CA',
      data: renderer.sampleData('password-reset'),
    });
    expect(email.subject).toBe('Réinitialisez votre mot de passe Acme ID');
  });

  it('refuses a shipped template that does not compile or render', async () => {
    const broken = copy();
    writeFileSync(join(broken, 'password-reset', 'pt-BR.subject'), 'Senha {{{name}}}\n');
    await expect(createTemplateRenderer({ templatesDir: broken })).rejects.toMatchObject({
      code: 'templates_dir_invalid',
      message: expect.stringContaining('password-reset/pt-BR.subject:1: Unescaped output'),
    });
    const unknown = copy();
    writeFileSync(join(unknown, 'magic-link', 'en.txt'), '{{link}} {{magic_code}}\n');
    await expect(createTemplateRenderer({ templatesDir: unknown })).rejects.toMatchObject({
      message: expect.stringContaining('Unknown variable "magic_code"'),
    });
  });

  it('refuses a folder that is not a key of the catalogue', async () => {
    const dir = copy();
    cpSync(join(dir, 'magic-link'), join(dir, 'magik-link'), { recursive: true });
    await expect(createTemplateRenderer({ templatesDir: dir })).rejects.toMatchObject({
      message: expect.stringContaining('magik-link/ is not a template key of catalogue.ts'),
    });
  });
});
