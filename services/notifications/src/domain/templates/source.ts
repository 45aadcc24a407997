// Reading the template directory (once, at creation) and checking Handlebars sources.
//
//   templates/
//     _layout/email.mjml         shared responsive layout; `<!-- preview -->` and `<!-- content -->` slots
//     _layout/email.txt          shared plain-text layout; `<!-- content -->` slot
//     _partials/<locale>/*.hbs   per-locale partials ({{> greeting}}, {{> footer}}, ...), plain text
//     <key>/<locale>.subject     one line
//     <key>/<locale>.mjml        the body: <mj-section>s, optionally preceded by one <mj-preview>
//     <key>/<locale>.txt         the plain-text body
//     <key>/<locale>.sms.txt     the SMS, for keys with an SMS channel
//
// A locale is shipped when `_partials/<locale>/` exists; every key must then have every part in it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { type TemplateKey, templateCatalogue } from './catalogue.ts';
import { TemplateError, type TemplateIssue, type TemplatePart } from './errors.ts';

export const CONTENT_SLOT = '<!-- content -->';
export const PREVIEW_SLOT = '<!-- preview -->';

export interface TemplateFiles {
  subject: string;
  mjml: string;
  text: string;
  sms?: string;
}

export interface TemplateDirectory {
  readonly dir: string;
  readonly locales: readonly string[];
  readonly layout: { readonly mjml: string; readonly text: string };
  /** locale → partial name → source */
  readonly partials: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** key → locale → files */
  readonly templates: ReadonlyMap<TemplateKey, ReadonlyMap<string, TemplateFiles>>;
}

const LOCALE_DIR = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
const PARTIAL_FILE = /^([a-z][a-z0-9-]*)\.hbs$/;

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function readTemplateDirectory(dir: string): TemplateDirectory {
  const problems: string[] = [];
  const read = (...parts: string[]): string | undefined => {
    try {
      return readFileSync(join(dir, ...parts), 'utf8');
    } catch {
      problems.push(`missing ${parts.join('/')}`);
      return undefined;
    }
  };
  if (!isDir(dir)) throw new TemplateError('templates_dir_invalid', `Template directory ${dir} not found`);

  const partialsRoot = join(dir, '_partials');
  const locales = isDir(partialsRoot)
    ? readdirSync(partialsRoot)
        .filter((l) => LOCALE_DIR.test(l) && isDir(join(partialsRoot, l)))
        .sort()
    : [];
  if (locales.length === 0) problems.push('no locale: create _partials/<locale>/');

  const partials = new Map<string, Map<string, string>>();
  for (const locale of locales) {
    const byName = new Map<string, string>();
    for (const file of readdirSync(join(partialsRoot, locale)).sort()) {
      const name = PARTIAL_FILE.exec(file)?.[1];
      if (name !== undefined) byName.set(name, readFileSync(join(partialsRoot, locale, file), 'utf8'));
    }
    partials.set(locale, byName);
  }
  // Every locale must define the same partials, so that a template works in all of them.
  const allNames = new Set([...partials.values()].flatMap((m) => [...m.keys()]));
  for (const [locale, byName] of partials) {
    for (const name of allNames) {
      if (!byName.has(name)) problems.push(`missing _partials/${locale}/${name}.hbs`);
    }
  }

  const layoutMjml = read('_layout', 'email.mjml') ?? '';
  const layoutText = read('_layout', 'email.txt') ?? '';
  if (layoutMjml && !layoutMjml.includes(CONTENT_SLOT))
    problems.push(`_layout/email.mjml lacks ${CONTENT_SLOT}`);
  if (layoutText && !layoutText.includes(CONTENT_SLOT))
    problems.push(`_layout/email.txt lacks ${CONTENT_SLOT}`);

  const templates = new Map<TemplateKey, Map<string, TemplateFiles>>();
  for (const definition of Object.values(templateCatalogue)) {
    const byLocale = new Map<string, TemplateFiles>();
    for (const locale of locales) {
      const files: Partial<TemplateFiles> = {};
      if (definition.channels.includes('email')) {
        files.subject = read(definition.key, `${locale}.subject`);
        files.mjml = read(definition.key, `${locale}.mjml`);
        files.text = read(definition.key, `${locale}.txt`);
      }
      if (definition.channels.includes('sms')) files.sms = read(definition.key, `${locale}.sms.txt`);
      byLocale.set(locale, files as TemplateFiles);
    }
    templates.set(definition.key, byLocale);
  }
  // A directory that matches no key is a typo or a template the catalogue does not know.
  for (const entry of readdirSync(dir)) {
    if (!entry.startsWith('_') && isDir(join(dir, entry)) && !Object.hasOwn(templateCatalogue, entry)) {
      problems.push(`${entry}/ is not a template key of catalogue.ts`);
    }
  }

  if (problems.length > 0) {
    throw new TemplateError('templates_dir_invalid', `Template directory ${dir}: ${problems.join('; ')}`, {
      issues: problems.map((message) => ({ part: 'override', message })),
    });
  }
  return { dir, locales, layout: { mjml: layoutMjml, text: layoutText }, partials, templates };
}

/** Splits a body fragment into its leading `<mj-preview>` (if any) and the rest. */
export function splitPreview(fragment: string): { preview: string; body: string } {
  const match = /^\s*(<mj-preview>[\s\S]*?<\/mj-preview>)/.exec(fragment);
  if (!match?.[1]) return { preview: '', body: fragment };
  return { preview: match[1], body: fragment.slice(match[0].length) };
}

/**
 * Puts a body fragment into the layout. A source that is itself a whole document (`<mjml ...>`)
 * is used as it is. Returns the document and the line of the document where the fragment starts.
 */
export function assembleMjml(layout: string, fragment: string): { document: string; firstLine: number } {
  if (/^\s*<mjml[\s>]/.test(fragment)) return { document: fragment, firstLine: 1 };
  const { preview, body } = splitPreview(fragment);
  const withPreview = layout.replace(PREVIEW_SLOT, () => preview);
  const before = withPreview.slice(0, withPreview.indexOf(CONTENT_SLOT));
  return {
    document: withPreview.replace(CONTENT_SLOT, () => body),
    firstLine: before.split('\n').length,
  };
}

/** Lines of a Handlebars error message, when it says ("Parse error on line 3", "- 3:12"). */
function lineOf(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const found = /on line (\d+)/.exec(message) ?? /- (\d+):\d+\s*$/.exec(message);
  return found?.[1] === undefined ? undefined : Number(found[1]);
}

export function issueFromError(part: TemplatePart, error: unknown, lineOffset = 0): TemplateIssue {
  const message = (error instanceof Error ? error.message : String(error)).trim();
  const line = lineOf(error);
  return line === undefined ? { part, message } : { part, message, line: line + lineOffset };
}

/** Built-in helpers no template may call: `log` prints its arguments (secrets) to stdout, `lookup`
 * reaches fields by computed name, the `*Missing` ones are internals. They are also removed from the
 * environments and refused by the compiler (renderer.ts). */
export const FORBIDDEN_HELPERS: ReadonlySet<string> = new Set([
  'log',
  'lookup',
  'helperMissing',
  'blockHelperMissing',
]);

/**
 * Checks a Handlebars source beyond its syntax: no unescaped output (`{{{x}}}`, `{{& x}}`), no
 * partial that is not shipped, no dynamic partials, partial blocks or decorators, no inline partials,
 * no `log`/`lookup`, no `@root`, the data object (`this`, `.`, `..`) never handed to a helper, block
 * or partial, and each secret field (`secretFields`: the link, the code) only ever as a plain
 * `{{field}}`: no helper argument, subexpression, block, hash value, sub-property (`{{code.[0]}}`
 * would leak one digit at a time), nor at all in the subject.
 */
export function lintHandlebars(
  part: TemplatePart,
  source: string,
  knownPartials: ReadonlySet<string>,
  secretFields: ReadonlySet<string> = new Set(),
): TemplateIssue[] {
  let program: hbs.AST.Program;
  try {
    program = Handlebars.parse(source);
  } catch (error) {
    return [issueFromError(part, error)];
  }
  const issues: TemplateIssue[] = [];
  const at = (node: hbs.AST.Node) => node.loc?.start.line;
  // Paths that are the whole of a plain `{{path}}`: the only place a secret may be.
  const plain = new WeakSet<object>();
  const calleeOf = (node: { path: hbs.AST.PathExpression | hbs.AST.Literal }): string | undefined =>
    node.path.type === 'PathExpression' ? (node.path as hbs.AST.PathExpression).original : undefined;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const n = node as hbs.AST.Node & Record<string, unknown>;
    switch (n.type) {
      case 'MustacheStatement': {
        const mustache = n as unknown as hbs.AST.MustacheStatement;
        if (mustache.escaped === false) {
          issues.push({
            part,
            message: 'Unescaped output ({{{ }}} or {{& }}) is not allowed: use {{ }} so values are escaped',
            line: at(n),
          });
        }
        if (mustache.params.length === 0 && mustache.hash === undefined) plain.add(mustache.path);
        break;
      }
      case 'PartialStatement': {
        const name = (n as unknown as hbs.AST.PartialStatement).name;
        if (name.type !== 'PathExpression') {
          issues.push({ part, message: 'Dynamic partials are not allowed', line: at(n) });
        } else if (!knownPartials.has(name.original)) {
          issues.push({
            part,
            message: `Unknown partial "${name.original}" (known: ${[...knownPartials].sort().join(', ')})`,
            line: at(n),
          });
        }
        break;
      }
      case 'PartialBlockStatement':
      case 'DecoratorBlock':
      case 'Decorator':
        issues.push({ part, message: `${n.type} is not allowed in templates`, line: at(n) });
        break;
      case 'PathExpression': {
        const path = n as unknown as hbs.AST.PathExpression;
        const head = path.parts[0];
        if (path.data && head === 'root') {
          issues.push({ part, message: '@root is not allowed: use the field itself', line: at(n) });
        } else if (!path.data && head !== undefined && secretFields.has(head)) {
          if (part === 'subject') {
            issues.push({
              part,
              message: `{{${head}}} is secret and may not be in the subject (subjects show in notifications, lists and logs)`,
              line: at(n),
            });
          } else if (!plain.has(path) || path.parts.length !== 1) {
            issues.push({
              part,
              message: `{{${head}}} is secret: use it only as a plain {{${head}}} (not as a helper argument, block, hash value or with a sub-property)`,
              line: at(n),
            });
          }
        }
        break;
      }
    }
    // What may not be handed to helpers, blocks and partials: the data object, forbidden helpers.
    if (
      n.type === 'MustacheStatement' ||
      n.type === 'BlockStatement' ||
      n.type === 'SubExpression' ||
      n.type === 'PartialStatement'
    ) {
      const call = n as unknown as {
        path?: hbs.AST.PathExpression | hbs.AST.Literal;
        params: hbs.AST.Expression[];
        hash?: hbs.AST.Hash;
      };
      const callee = call.path === undefined ? undefined : calleeOf({ path: call.path });
      if (callee !== undefined && FORBIDDEN_HELPERS.has(callee)) {
        issues.push({ part, message: `The "${callee}" helper is not allowed in templates`, line: at(n) });
      }
      const handed = [
        ...call.params,
        ...(call.hash?.pairs.map((p) => p.value) ?? []),
        ...(n.type === 'BlockStatement' && call.path !== undefined ? [call.path] : []),
      ];
      for (const value of handed) {
        if (value.type === 'PathExpression' && (value as hbs.AST.PathExpression).parts.length === 0) {
          issues.push({
            part,
            message: `"${(value as hbs.AST.PathExpression).original}" (the whole data object) may not be handed to a helper, block or partial: use the fields by name`,
            line: at(n),
          });
        }
      }
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'loc' && typeof value === 'object') visit(value);
    }
  };
  visit(program.body);
  return issues;
}
