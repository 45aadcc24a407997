// Where a secret (a reset/verification/magic link, a one-time code) may appear in the HTML of an
// email. Rendering puts an unguessable alphanumeric sentinel in place of each secret (escaping
// leaves it intact), this module finds every occurrence of every sentinel in the HTML and says
// which ones are somewhere a mail client could send them away by itself:
//
// - allowed: the whole, quoted `href` of an `<a>` (a link is a link: it leaves only when the
//   recipient clicks it), and text content of the body;
// - refused: any other attribute (`src`, `srcset`, `background`, `style`, `action`, `poster`,
//   `data-*`, ...), the inside of `<style>`, `<script>`, `<title>`, `<textarea>` and other raw
//   text elements, `<head>`, `<template>`, `<svg>`, `<math>`, `<noscript>`, `<iframe>`, `<object>`,
//   comments (Outlook reads conditional comments), tag and attribute names.
//
// The tokenizer follows the WHATWG tokenizer in the parts that decide where a value sits (tags,
// quoted and unquoted attributes, comments, raw text elements) and is conservative elsewhere: a
// sentinel in anything it does not recognise as one of the two allowed places is refused.

/** Elements whose content is raw text or RCDATA: tags inside them are not tags. */
const RAW_TEXT = new Set([
  'script',
  'style',
  'title',
  'textarea',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'plaintext',
]);

/** Containers whose text content must not carry a secret (not shown, or not plain text). */
const HIDDEN_CONTAINERS = new Set(['head', 'template', 'svg', 'math', 'object', 'select']);

export interface SecretSentinel {
  /** The template field (`link`, `code`). */
  readonly field: string;
  /** The alphanumeric token rendered in its place. */
  readonly token: string;
  /** Whether it may be the whole `href` of an `<a>` (links only). */
  readonly mayBeHref: boolean;
}

export interface MisplacedSecret {
  readonly field: string;
  /** Where it was found, for people: `in the "src" attribute of <img>`. */
  readonly where: string;
}

type Segment =
  | { kind: 'text'; start: number; end: number; hidden: string | undefined }
  | {
      kind: 'attribute';
      start: number;
      end: number;
      tag: string;
      name: string;
      quoted: boolean;
      hidden: string | undefined;
      /** Every attribute name of the tag (filled once the tag ends). */
      siblings: Set<string>;
    }
  | { kind: 'other'; start: number; end: number; where: string };

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\f' || c === '\r';
const isLetter = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);

/** Splits an HTML document into text, attribute values and everything else (tags, comments, raw text). */
function segment(html: string): Segment[] {
  const segments: Segment[] = [];
  const open = new Map<string, number>();
  const hidden = (): string | undefined => {
    for (const [name, depth] of open) if (depth > 0) return name;
    return undefined;
  };
  let i = 0;
  let textStart = 0;
  const flushText = (end: number) => {
    if (end > textStart) segments.push({ kind: 'text', start: textStart, end, hidden: hidden() });
  };
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    const next = html[lt + 1];
    if (html.startsWith('<!--', lt)) {
      flushText(lt);
      const close = html.indexOf('-->', lt + 4);
      const end = close === -1 ? html.length : close + 3;
      segments.push({ kind: 'other', start: lt, end, where: 'in an HTML comment' });
      i = textStart = end;
      continue;
    }
    if (next === '!' || next === '?' || (next === '/' && !isLetter(html[lt + 2]))) {
      // Doctype, CDATA, processing instruction or bogus comment: up to the next '>'.
      flushText(lt);
      const close = html.indexOf('>', lt + 1);
      const end = close === -1 ? html.length : close + 1;
      segments.push({ kind: 'other', start: lt, end, where: 'in a declaration or comment' });
      i = textStart = end;
      continue;
    }
    const closing = next === '/';
    const nameStart = closing ? lt + 2 : lt + 1;
    if (!isLetter(html[nameStart])) {
      i = lt + 1; // a lone '<' is text
      continue;
    }
    flushText(lt);
    let j = nameStart;
    while (j < html.length && !isSpace(html[j]) && html[j] !== '/' && html[j] !== '>') j++;
    const tag = html.slice(nameStart, j).toLowerCase();
    segments.push({ kind: 'other', start: lt, end: j, where: `in a tag name` });
    // Attributes (an end tag's are ignored by browsers, but a sentinel there is still refused).
    let selfClosing = false;
    const siblings = new Set<string>();
    while (j < html.length && html[j] !== '>') {
      const c = html[j];
      if (isSpace(c)) {
        j++;
        continue;
      }
      if (c === '/') {
        selfClosing = html[j + 1] === '>';
        j++;
        continue;
      }
      const attrStart = j;
      j++; // the first character of a name may be anything but space, '/', '>' (even '=')
      while (j < html.length && !isSpace(html[j]) && html[j] !== '/' && html[j] !== '>' && html[j] !== '=')
        j++;
      const name = html.slice(attrStart, j).toLowerCase();
      siblings.add(name);
      segments.push({ kind: 'other', start: attrStart, end: j, where: 'in an attribute name' });
      let k = j;
      while (isSpace(html[k])) k++;
      if (html[k] !== '=') continue;
      k++;
      while (isSpace(html[k])) k++;
      const quote = html[k];
      const where = closing ? 'other' : 'attribute';
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, k + 1);
        const end = close === -1 ? html.length : close;
        segments.push(
          where === 'attribute'
            ? { kind: 'attribute', start: k + 1, end, tag, name, quoted: true, hidden: hidden(), siblings }
            : { kind: 'other', start: k + 1, end, where: `in an attribute of </${tag}>` },
        );
        j = end + 1;
      } else {
        let end = k;
        while (end < html.length && !isSpace(html[end]) && html[end] !== '>') end++;
        segments.push(
          where === 'attribute'
            ? { kind: 'attribute', start: k, end, tag, name, quoted: false, hidden: hidden(), siblings }
            : { kind: 'other', start: k, end, where: `in an attribute of </${tag}>` },
        );
        j = end;
      }
    }
    const tagEnd = Math.min(j + 1, html.length);
    i = textStart = tagEnd;
    if (closing) {
      const depth = open.get(tag);
      if (depth !== undefined && depth > 0) open.set(tag, depth - 1);
      if (tag === 'head') open.set('head', 0);
      continue;
    }
    if (tag === 'body') open.set('head', 0);
    if (HIDDEN_CONTAINERS.has(tag) && !selfClosing) open.set(tag, (open.get(tag) ?? 0) + 1);
    if (RAW_TEXT.has(tag)) {
      // Everything up to the matching end tag is raw text (plaintext: up to the end).
      const match = tag === 'plaintext' ? null : new RegExp(`</${tag}[\\s/>]`, 'i').exec(html.slice(tagEnd));
      const end = match === null ? html.length : tagEnd + match.index;
      segments.push({ kind: 'other', start: tagEnd, end, where: `inside <${tag}>` });
      i = textStart = end;
    }
  }
  flushText(html.length);
  return segments;
}

function describe(segment: Segment): string {
  switch (segment.kind) {
    case 'other':
      return segment.where;
    case 'text':
      return `in the text of <${segment.hidden}>`;
    case 'attribute':
      return `in the "${segment.name}" attribute of <${segment.tag}>`;
  }
}

/**
 * Every occurrence of a sentinel that is not the whole quoted `href` of an `<a>` (links only) or
 * text content outside `<head>` and the other hidden containers. Empty: every secret is well placed.
 */
export function misplacedSecrets(html: string, sentinels: readonly SecretSentinel[]): MisplacedSecret[] {
  if (sentinels.every((s) => !html.includes(s.token))) return [];
  const segments = segment(html);
  const found: MisplacedSecret[] = [];
  for (const sentinel of sentinels) {
    for (let at = html.indexOf(sentinel.token); at !== -1; at = html.indexOf(sentinel.token, at + 1)) {
      const end = at + sentinel.token.length;
      const holder = segments.find((s) => s.start <= at && end <= s.end);
      let allowed = false;
      if (holder?.kind === 'text') allowed = holder.hidden === undefined;
      else if (holder?.kind === 'attribute') {
        allowed =
          sentinel.mayBeHref &&
          holder.tag === 'a' &&
          holder.name === 'href' &&
          holder.quoted &&
          holder.hidden === undefined &&
          !holder.siblings.has('ping') && // <a ping> would POST the link's URL elsewhere on click
          holder.start === at &&
          holder.end === end;
      }
      if (!allowed) {
        const where =
          holder === undefined
            ? 'across markup'
            : holder.kind === 'attribute' && holder.tag === 'a' && holder.name === 'href'
              ? sentinel.mayBeHref
                ? 'in the href of an <a> but not as its whole (quoted) value, or on an <a> with a ping attribute, or hidden'
                : 'in the href of an <a> (only a link may be one)'
              : describe(holder);
        if (!found.some((f) => f.field === sentinel.field && f.where === where)) {
          found.push({ field: sentinel.field, where });
        }
      }
    }
  }
  return found;
}
